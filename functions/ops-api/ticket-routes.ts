import { chooseDistrict } from '#shared/app/district-choice';
import { TicketConflictError, TicketNotFoundError, type MaintenanceService } from '#shared/app/maintenance-service';
import type { TicketStore } from '#shared/app/ports/tickets';
import { TicketQuery, TicketTransitionRequest } from '#shared/app/ticket-requests';
import type { District } from '#shared/domain/city-model';
import { IllegalTicketTransitionError } from '#shared/domain/maintenance';
import { HttpError, json, jsonBody, parseRequest, type RouteHandler } from './http-router.ts';

export interface TicketRouteDeps {
  registry: { listDistricts(): Promise<District[]> };
  ticketStore: Pick<TicketStore, 'get' | 'list'>;
  maintenance: Pick<MaintenanceService, 'act'>;
}

/** The device operators' tickets: `GET /tickets`, `GET /tickets/{ticketId}`, `POST /tickets/{ticketId}/transitions`. */
export const ticketRoutes = (deps: TicketRouteDeps): Record<string, RouteHandler> => ({
  'GET /tickets': async (event) => {
    const { districtId, ...filter } = parseRequest(TicketQuery, event.queryStringParameters ?? {});
    const district = chooseDistrict(await deps.registry.listDistricts(), districtId).districtId;
    return json(200, await deps.ticketStore.list({ ...filter, districtId: district }));
  },
  'GET /tickets/{ticketId}': async (event) => {
    const found = await deps.ticketStore.get(event.pathParameters?.ticketId ?? '');
    if (!found) throw new HttpError(404, 'not_found', `no ticket "${event.pathParameters?.ticketId}"`);
    return json(200, found);
  },
  'POST /tickets/{ticketId}/transitions': async (event) => {
    const { action, actor, note } = parseRequest(
      TicketTransitionRequest,
      jsonBody(event, '{ "action": "acknowledge" | "fix", "actor", "note"? }'),
    );
    try {
      return json(200, await deps.maintenance.act(event.pathParameters?.ticketId ?? '', action, actor, note));
    } catch (error) {
      if (error instanceof TicketNotFoundError) throw new HttpError(404, 'not_found', error.message);
      if (error instanceof IllegalTicketTransitionError) throw new HttpError(409, 'illegal_transition', error.message);
      if (error instanceof TicketConflictError) throw new HttpError(409, 'conflict', error.message);
      throw error;
    }
  },
});
