import { ActionForbiddenError, CaseConflictError, CaseNotFoundError, type CaseService } from '#shared/app/case-service';
import type { Identity } from '#shared/app/ports/identity';
import { CaseQuery, ReportBody, TransitionRequest } from '#shared/app/case-requests';
import { chooseDistrict } from '#shared/app/district-choice';
import type { CaseStore } from '#shared/app/ports/cases';
import { IllegalTransitionError, MissingReasonError } from '#shared/domain/case/cycle';
import { REPORTING_ROLES, reportRefusal } from '#shared/domain/roles';
import type { District } from '#shared/domain/city-model';
import { HttpError, json, jsonBody, parseRequest, type RouteHandler } from './http-router.ts';
import { signedIn } from './signed-in.ts';

export interface CaseRouteDeps {
  registry: { listDistricts(): Promise<District[]> };
  caseStore: Pick<CaseStore, 'get' | 'list'>;
  cases: Pick<CaseService, 'act' | 'report'>;
  /** Who signed in: the actor of a transition. */
  identity: Identity;
}

/** `GET /cases`, `GET /cases/{caseId}`, `POST /cases/{caseId}/transitions`, `POST /cases/reports`. */
export const caseRoutes = (deps: CaseRouteDeps): Record<string, RouteHandler> => ({
  'GET /cases': async (event) => {
    const { districtId, ...filter } = parseRequest(CaseQuery, event.queryStringParameters ?? {});
    let district = districtId;
    if (!district && !filter.unit && !filter.streetId) {
      district = chooseDistrict(await deps.registry.listDistricts(), undefined).districtId;
    }
    return json(200, await deps.caseStore.list({ ...filter, districtId: district }));
  },
  'GET /cases/{caseId}': async (event) => {
    const found = await deps.caseStore.get(event.pathParameters?.caseId ?? '');
    if (!found) throw new HttpError(404, 'not_found', `no case "${event.pathParameters?.caseId}"`);
    return json(200, found);
  },
  'POST /cases/reports': async (event) => {
    const { districtId, ...body } = parseRequest(
      ReportBody,
      jsonBody(event, '{ "source", "classId", "location" or "componentId", "description", … }'),
    );
    // Staff's reports are sent signed in, and the reporter is the user (never a body's).
    if (REPORTING_ROLES[body.source]) {
      const user = await signedIn(deps.identity, event);
      const refusal = reportRefusal(user, body.source);
      if (refusal) throw new HttpError(403, 'forbidden', refusal);
      if (body.reporter)
        throw new HttpError(
          400,
          'bad_request',
          `reporter is not taken from the body for a ${body.source} report: the reporter is the signed-in user`,
        );
      body.reporter = { id: user.username, ...(user.name ? { name: user.name } : {}) };
    }
    const district = districtId ?? chooseDistrict(await deps.registry.listDistricts(), undefined).districtId;
    try {
      const { outcome, case: c } = await deps.cases.report({ ...body, districtId: district });
      return json(outcome === 'received' || outcome === 'refused' ? 201 : 200, { outcome, case: c });
    } catch (error) {
      if (error instanceof CaseConflictError) throw new HttpError(409, 'conflict', error.words);
      throw error;
    }
  },
  'POST /cases/{caseId}/transitions': async (event) => {
    const user = await signedIn(deps.identity, event);
    const {
      action,
      actor: _never,
      communityId,
      gridId,
      ...rest
    } = parseRequest(TransitionRequest, jsonBody(event, '{ "action", "note"?, "reason"?, "media"? }'));
    const assignTo = communityId
      ? { level: 'community' as const, id: communityId }
      : gridId
        ? { level: 'grid' as const, id: gridId }
        : undefined;
    const details = { ...rest, ...(assignTo ? { assignTo } : {}) };
    try {
      return json(200, await deps.cases.act(event.pathParameters?.caseId ?? '', action, user, details));
    } catch (error) {
      if (error instanceof ActionForbiddenError) throw new HttpError(403, 'forbidden', error.words);
      if (error instanceof CaseNotFoundError) throw new HttpError(404, 'not_found', error.words);
      if (error instanceof MissingReasonError) throw new HttpError(400, 'bad_request', error.words);
      if (error instanceof IllegalTransitionError) throw new HttpError(409, 'illegal_transition', error.words);
      if (error instanceof CaseConflictError) throw new HttpError(409, 'conflict', error.words);
      throw error;
    }
  },
});
