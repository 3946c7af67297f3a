import { chooseDistrict } from '#shared/app/district-choice';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import {
  TicketConflictError,
  TicketForbiddenError,
  TicketNotFoundError,
  type MaintenanceService,
  type TicketActorRequest,
} from '#shared/app/maintenance-service';
import type { Identity } from '#shared/app/ports/identity';
import type { TicketStore } from '#shared/app/ports/tickets';
import { StaffTicketTransitionRequest, TicketQuery, TicketTransitionRequest } from '#shared/app/ticket-requests';
import type { District } from '#shared/domain/city-model';
import { IllegalTicketTransitionError, type TicketAction } from '#shared/domain/maintenance';
import { HttpError, json, jsonBody, parseRequest, type RouteHandler } from './http-router.ts';
import { signedIn } from './signed-in.ts';

export interface TicketRouteDeps {
  registry: { listDistricts(): Promise<District[]> };
  ticketStore: Pick<TicketStore, 'get' | 'list'>;
  maintenance: Pick<MaintenanceService, 'act'>;
  /** Who signed in: the actor of a person's action on a ticket. */
  identity: Identity;
}

/** The IAM principal that signed a request, as API Gateway hands it on (none locally: no SigV4). */
const iamCaller = (event: APIGatewayProxyEventV2): string | undefined =>
  (event.requestContext as { authorizer?: { iam?: { userArn?: string } } } | undefined)?.authorizer?.iam?.userArn;

/**
 * The device operators' tickets: `GET /tickets`, `GET /tickets/{ticketId}`, and their
 * actions: `POST /staff/tickets/{ticketId}/transitions` by a signed-in person (the actor is
 * the token's user), `POST /tickets/{ticketId}/transitions` by a city system (IAM-signed in
 * AWS; the body's `actor` names the system, `system:<name>`).
 */
export function ticketRoutes(deps: TicketRouteDeps): Record<string, RouteHandler> {
  const act = async (event: APIGatewayProxyEventV2, action: TicketAction, by: TicketActorRequest, note?: string) => {
    try {
      return json(200, await deps.maintenance.act(event.pathParameters?.ticketId ?? '', action, by, note));
    } catch (error) {
      if (error instanceof TicketForbiddenError) throw new HttpError(403, 'forbidden', error.words);
      if (error instanceof TicketNotFoundError) throw new HttpError(404, 'not_found', error.message);
      if (error instanceof IllegalTicketTransitionError) throw new HttpError(409, 'illegal_transition', error.message);
      if (error instanceof TicketConflictError) throw new HttpError(409, 'conflict', error.message);
      throw error;
    }
  };
  return {
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
    // A city system's action: the body names the system; in AWS the gateway names the principal that signed.
    'POST /tickets/{ticketId}/transitions': async (event) => {
      const { action, actor, note } = parseRequest(
        TicketTransitionRequest,
        jsonBody(event, '{ "action": "acknowledge" | "fix", "actor": "system:<name>", "note"? }'),
      );
      const caller = iamCaller(event);
      return act(event, action, { system: actor, ...(caller ? { caller } : {}) }, note);
    },
    // A person's action: the signed-in user, in a role that may (TICKET_ROLES), as on a case.
    'POST /staff/tickets/{ticketId}/transitions': async (event) => {
      const user = await signedIn(deps.identity, event);
      const { action, note } = parseRequest(
        StaffTicketTransitionRequest,
        jsonBody(event, '{ "action": "acknowledge" | "fix", "note"? }'),
      );
      return act(event, action, { user }, note);
    },
  };
}
