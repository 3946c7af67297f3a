import { z } from 'zod';
import type { Case } from '#shared/domain/case/model';
import { CASE_STATUSES, REFUSAL_REASONS } from '#shared/domain/case/statuses';
import { hotlineMessagesFor, type HotlineMessage, type HotlineMessageKind } from '#shared/domain/hotline';
import { envelope, type BusEvent } from './event-definition.ts';

/**
 * The 12345 hotline's answers (see `shared/domain/hotline.ts` and docs/hotline.md): from
 * their own source on the case bus, so the hotline's receiver subscribes to them alone.
 */
export const HOTLINE_EVENT_SOURCE = 'cityops.hotline';

const base = {
  ticketNo: z.string().describe('the hotline’s ticket number, as handed over'),
  caseId: z.string().describe('the CityOps case that holds the ticket'),
  caseNumber: z.string().optional().describe('its case number (案件编号), as the caller is told it'),
  districtId: z.string(),
  at: z.int().describe('epoch ms of the case change'),
  status: z.enum(CASE_STATUSES).describe('the case’s status after the change'),
  classId: z.string().optional(),
  classCode: z.string().optional(),
  message: z.string().describe('what to tell the caller, in Chinese'),
};

const ReplySchema = z.looseObject({
  ...base,
  kind: z.literal('reply'),
  leadUnit: z.string().describe('the unit that handles the case'),
  dueAt: z.int().describe('epoch ms the unit must have handled it by'),
  registeredAt: z.int(),
  merged: z.boolean().describe('the ticket joined a case other reports had opened'),
});
const SendBackSchema = z.looseObject({
  ...base,
  kind: z.literal('send_back'),
  reason: z.enum([...REFUSAL_REASONS, 'voided']).describe('a refusal’s reason code, or voided'),
  note: z.string().optional(),
});
const ResultSchema = z.looseObject({
  ...base,
  kind: z.literal('result'),
  closedAt: z.int(),
  resolvedAt: z.int().optional(),
  note: z.string().optional().describe('the handler’s words on what was done'),
  media: z.array(z.string()).describe('media ids of the work done: GET /media/{id}'),
});

export const HOTLINE_EVENTS = {
  HotlineReplied: {
    source: HOTLINE_EVENT_SOURCE,
    detailType: 'HotlineReplied',
    version: '1',
    schema: envelope(
      'HotlineReplied',
      '1',
      'A 12345 ticket is in a registered case (回复): which case, which unit, by when.',
      ReplySchema,
    ),
  },
  HotlineSentBack: {
    source: HOTLINE_EVENT_SOURCE,
    detailType: 'HotlineSentBack',
    version: '1',
    schema: envelope(
      'HotlineSentBack',
      '1',
      'A 12345 ticket goes back to the hotline (退单): its case was refused or voided, with the reason.',
      SendBackSchema,
    ),
  },
  HotlineResult: {
    source: HOTLINE_EVENT_SOURCE,
    detailType: 'HotlineResult',
    version: '1',
    schema: envelope(
      'HotlineResult',
      '1',
      'The result of a 12345 ticket (办结反馈): its case was closed; what was done, with photos.',
      ResultSchema,
    ),
  },
} as const;

export type HotlineEventType = keyof typeof HOTLINE_EVENTS;
const TYPE_OF: Record<HotlineMessageKind, HotlineEventType> = {
  reply: 'HotlineReplied',
  send_back: 'HotlineSentBack',
  result: 'HotlineResult',
};

export type HotlineEvent = BusEvent<HotlineMessage, HotlineEventType> & { source: typeof HOTLINE_EVENT_SOURCE };

/** The hotline events of one case change; `changeId` is the change's (stream record's) id. */
export function hotlineEventsFor(changeId: string, before: Case | undefined, after: Case): HotlineEvent[] {
  return hotlineMessagesFor(before, after).map((message) => {
    const detailType = TYPE_OF[message.kind];
    const def = HOTLINE_EVENTS[detailType];
    return {
      source: def.source,
      detailType,
      detail: {
        metadata: {
          version: def.version,
          occurredAt: message.at,
          id: `${changeId}:${message.kind}:${message.ticketNo}`,
        },
        data: message,
      },
    };
  });
}
