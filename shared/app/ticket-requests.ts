import { z } from 'zod';
import { DEVICE_FAULTS, TICKET_ACTIONS, TICKET_STATUSES } from '#shared/domain/maintenance';
import { THING_NAME_PATTERN } from '#shared/domain/topics';
import { wholeParam } from './request-params.ts';

/** `GET /tickets` query parameters. */
export const TicketQuery = z.strictObject({
  districtId: z.string().min(1).max(100).optional(),
  status: z.enum(TICKET_STATUSES).optional(),
  operator: z.string().min(1).max(100).optional(),
  fault: z.enum(DEVICE_FAULTS).optional(),
  thing: z.string().regex(THING_NAME_PATTERN, 'thing is a device name').optional(),
  limit: wholeParam('limit', z.number().min(1).max(500)).default(50),
  nextToken: z.string().max(2000).optional(),
});

/** How a city system names itself on the IAM-signed route: `system:<name>`. */
export const SYSTEM_ACTOR_PATTERN = /^system:[a-z0-9][a-z0-9._-]{0,63}$/;

/**
 * `POST /tickets/{ticketId}/transitions` body: the IAM-signed route, for city systems (a
 * device operator's own maintenance system). `actor` names the calling system as
 * `system:<name>`, never a person: people act signed in, through the staff route.
 */
export const TicketTransitionRequest = z.strictObject({
  action: z.enum(TICKET_ACTIONS),
  actor: z
    .string({ error: 'actor is required: the calling system, as system:<name>' })
    .regex(
      SYSTEM_ACTOR_PATTERN,
      'actor names the calling system, as system:<name> (lower-case letters, digits, . _ -); people act ' +
        'signed in, through POST /staff/tickets/{ticketId}/transitions',
    ),
  note: z.string().max(2000).optional(),
});

/** `POST /staff/tickets/{ticketId}/transitions` body: who acts is the signed-in user, never a body field. */
export const StaffTicketTransitionRequest = z.strictObject({
  action: z.enum(TICKET_ACTIONS),
  actor: z
    .never({ error: 'actor is not taken from the body: the actor is the signed-in user (Authorization: Bearer …)' })
    .optional(),
  note: z.string().max(2000).optional(),
});
