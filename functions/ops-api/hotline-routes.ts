import { CaseConflictError } from '#shared/app/case-service';
import { HotlineTicketBody } from '#shared/app/case-requests';
import { chooseDistrict } from '#shared/app/district-choice';
import { HOTLINE_SOURCE } from '#shared/domain/hotline';
import type { CaseRouteDeps } from './case-routes.ts';
import { HttpError, json, jsonBody, parseRequest, type RouteHandler } from './http-router.ts';

/**
 * The 12345 hotline's hand-over (see docs/hotline.md): `POST /hotline/12345/tickets`
 * takes a ticket in as a `hotline_12345` report. The ticket number makes it idempotent:
 * a ticket sent again (a retry, a redelivery) answers the case that took it, 200, and
 * adds nothing. Replies, send-backs and results go back as `cityops.hotline` events.
 */
export const hotlineRoutes = (deps: Pick<CaseRouteDeps, 'registry' | 'cases'>): Record<string, RouteHandler> => ({
  'POST /hotline/12345/tickets': async (event) => {
    const { districtId, ticketNo, caller, ...ticket } = parseRequest(
      HotlineTicketBody,
      jsonBody(event, '{ "ticketNo", "classId", "location" or "componentId", "description", … }'),
    );
    const district = districtId ?? chooseDistrict(await deps.registry.listDistricts(), undefined).districtId;
    try {
      const { outcome, case: c } = await deps.cases.report({
        ...ticket,
        districtId: district,
        source: HOTLINE_SOURCE,
        externalId: ticketNo,
        ...(caller ? { reporter: caller } : {}),
      });
      return json(outcome === 'received' || outcome === 'refused' ? 201 : 200, {
        ticketNo,
        outcome,
        caseId: c.caseId,
        ...(c.caseNumber ? { caseNumber: c.caseNumber } : {}),
        status: c.status,
        case: c,
      });
    } catch (error) {
      if (error instanceof CaseConflictError) throw new HttpError(409, 'conflict', error.message);
      throw error;
    }
  },
});
