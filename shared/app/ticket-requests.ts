import { z } from 'zod';
import { DEVICE_FAULTS, TICKET_ACTIONS, TICKET_STATUSES } from '#shared/domain/maintenance';
import { THING_NAME_PATTERN } from '#shared/domain/topics';

/** `GET /tickets` query parameters. */
export const TicketQuery = z.strictObject({
  districtId: z.string().min(1).max(100).optional(),
  status: z.enum(TICKET_STATUSES).optional(),
  operator: z.string().min(1).max(100).optional(),
  fault: z.enum(DEVICE_FAULTS).optional(),
  thing: z.string().regex(THING_NAME_PATTERN, 'thing is a device name').optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  nextToken: z.string().max(2000).optional(),
});

/** `POST /tickets/{ticketId}/transitions` body. */
export const TicketTransitionRequest = z.strictObject({
  action: z.enum(TICKET_ACTIONS),
  actor: z.string().trim().min(1, 'actor is required: who takes the action').max(200),
  note: z.string().max(2000).optional(),
});
