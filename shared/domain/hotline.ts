import type { Case, PersonReport } from './case/model.ts';
import type { RefusalReason } from './case/statuses.ts';

/**
 * The 12345 hotline's hand-over. The hotline hands a ticket over (a `hotline_12345`
 * report numbered with its ticket number); CityOps answers each ticket, from the changes
 * of the case that holds it:
 *
 * - a **reply** (回复) once the ticket is in a registered case: the case registered, or
 *   the ticket joined one that already was;
 * - a **send-back** (退单) when the case is refused (不予立案) or voided, with the reason;
 * - a **result** (办结反馈) when the case is closed, with the handler's note and photos.
 *
 * Each ticket gets each message once per case change that earns it (a redelivered change
 * repeats it with the same id).
 */
export const HOTLINE_SOURCE = 'hotline_12345' as const;

export const HOTLINE_MESSAGE_KINDS = ['reply', 'send_back', 'result'] as const;
export type HotlineMessageKind = (typeof HOTLINE_MESSAGE_KINDS)[number];

/** Why a ticket goes back: a refusal's reason, or `voided` (a registered case found invalid). */
export type SendBackReason = RefusalReason | 'voided';

/** The refusal reasons as the hotline's operators read them. */
export const SEND_BACK_REASON_ZH: Record<SendBackReason, string> = {
  duplicate: '重复上报',
  outside_district: '不在本区范围',
  not_found_on_site: '现场核实未发现问题',
  not_city_management: '不属于城市管理职责',
  insufficient_information: '信息不足，无法定位或核实',
  cleared_before_registration: '立案前问题已消除',
  other: '其他原因',
  voided: '案件作废',
};

interface MessageBase {
  ticketNo: string;
  caseId: string;
  /** The case number the caller is told (案件编号); absent on a case opened before numbers were given. */
  caseNumber?: string;
  districtId: string;
  /** When the case change happened (epoch ms). */
  at: number;
  /** The case's status after the change. */
  status: Case['status'];
  classId?: string;
  classCode?: string;
  /** What to tell the caller, in Chinese. */
  message: string;
}

export type HotlineMessage =
  | (MessageBase & {
      kind: 'reply';
      /** The unit that handles it, and by when. */
      leadUnit: string;
      dueAt: number;
      registeredAt: number;
      /** Whether the ticket joined a case other reports opened. */
      merged: boolean;
    })
  | (MessageBase & { kind: 'send_back'; reason: SendBackReason; note?: string })
  | (MessageBase & {
      kind: 'result';
      closedAt: number;
      resolvedAt?: number;
      /** The handler's words on what was done. */
      note?: string;
      /** Media ids of the work done (GET /media/{id}). */
      media: string[];
    });

/** A 12345 hotline ticket: the person's report the hotline handed over, numbered with its ticket number. */
type HotlineTicket = PersonReport & { source: typeof HOTLINE_SOURCE; externalId: string };

const isHotlineTicket = (r: PersonReport): r is HotlineTicket => r.source === HOTLINE_SOURCE && !!r.externalId;

const tickets = (c: Case | undefined): HotlineTicket[] => (c?.reports ?? []).filter(isHotlineTicket);

const holds = (c: Case | undefined, ticketNo: string) => tickets(c).some((r) => r.externalId === ticketNo);

const REGISTERED_STATUSES: readonly Case['status'][] = [
  'open',
  'dispatched',
  'in_progress',
  'resolved',
  'reopened',
  'verified',
  'closed',
  'parked',
];
const accepted = (c: Case | undefined) => !!c?.registeredAt && REGISTERED_STATUSES.includes(c.status);
const sentBack = (c: Case | undefined) => c?.status === 'refused' || c?.status === 'void';

/** The messages a change of a case (`before` → `after`; no `before` for a new case) sends to the hotline. */
export function hotlineMessagesFor(before: Case | undefined, after: Case): HotlineMessage[] {
  const messages: HotlineMessage[] = [];
  for (const ticket of tickets(after)) {
    const ticketNo = ticket.externalId;
    const had = holds(before, ticketNo);
    const base: MessageBase = {
      ticketNo,
      caseId: after.caseId,
      ...(after.caseNumber ? { caseNumber: after.caseNumber } : {}),
      districtId: after.districtId,
      at: after.updatedAt,
      status: after.status,
      ...(after.classId ? { classId: after.classId } : {}),
      ...(after.classCode ? { classCode: after.classCode } : {}),
      message: '',
    };
    if (accepted(after) && !(had && accepted(before))) {
      const merged = after.reports?.[0]?.reportId !== ticket.reportId;
      messages.push({
        ...base,
        kind: 'reply',
        leadUnit: after.leadUnit,
        dueAt: after.dueAt,
        registeredAt: after.registeredAt!,
        merged,
        message: `已受理并立案，案件编号 ${after.caseNumber ?? after.caseId}，由 ${after.leadUnit} 办理${merged ? '（与同一问题的其他报告合并办理）' : ''}。`,
      });
    }
    if (sentBack(after) && !(had && before?.status === after.status)) {
      const reason: SendBackReason = after.status === 'void' ? 'voided' : (after.refusal?.reason ?? 'other');
      const note = after.status === 'void' ? after.history.at(-1)?.note : after.refusal?.note;
      messages.push({
        ...base,
        kind: 'send_back',
        reason,
        ...(note ? { note } : {}),
        message: `退回：${SEND_BACK_REASON_ZH[reason]}${note ? `（${note}）` : ''}。`,
      });
    }
    if (after.status === 'closed' && !(had && before?.status === 'closed')) {
      const resolve = after.history.findLast((h) => h.action === 'resolve');
      const media = after.history.filter((h) => h.action === 'resolve').flatMap((h) => h.media ?? []);
      messages.push({
        ...base,
        kind: 'result',
        closedAt: after.updatedAt,
        ...(resolve ? { resolvedAt: resolve.at } : {}),
        ...(resolve?.note ? { note: resolve.note } : {}),
        media: [...new Set(media)],
        message: `已办结：${resolve?.note ?? '问题已处置并经核查'}。`,
      });
    }
  }
  return messages;
}
