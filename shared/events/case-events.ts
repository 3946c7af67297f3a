import type { Case } from '#shared/domain/case/model';
import { CaseSchema } from './case-schema.ts';
import { envelope as envelopeOf, type BusEvent } from './event-definition.ts';
import { hotlineEventsFor, type HotlineEvent } from './hotline-events.ts';

/**
 * Case events, one module-level definition each (see `event-definition.ts`): `source`,
 * `detailType`, `version` and the schema of the envelope, whose data is the case.
 */
export const CASE_EVENT_SOURCE = 'cityops.cases';

const envelope = (detailType: string, version: string, description: string) =>
  envelopeOf(detailType, version, description, CaseSchema);

export const CASE_EVENTS = {
  CaseOpened: {
    source: CASE_EVENT_SOURCE,
    detailType: 'CaseOpened',
    version: '1',
    schema: envelope('CaseOpened', '1', 'A case was opened for the responsible unit.'),
  },
  CaseUpdated: {
    source: CASE_EVENT_SOURCE,
    detailType: 'CaseUpdated',
    version: '1',
    schema: envelope('CaseUpdated', '1', 'A case changed: a transition, a repeat occurrence, new evidence.'),
  },
  CaseEscalated: {
    source: CASE_EVENT_SOURCE,
    detailType: 'CaseEscalated',
    version: '1',
    schema: envelope(
      'CaseEscalated',
      '1',
      'An overdue case went one rung up the escalation ladder (escalationLevel rose): 1 its street office, ' +
        '2 the City Management Office (`escalatedTo`), 3 a leader’s supervision notice (`supervision`).',
    ),
  },
  CaseResolved: {
    source: CASE_EVENT_SOURCE,
    detailType: 'CaseResolved',
    version: '1',
    schema: envelope('CaseResolved', '1', 'A case was resolved, by a person or by a sensor’s clear reading.'),
  },
  CaseClosed: {
    source: CASE_EVENT_SOURCE,
    detailType: 'CaseClosed',
    version: '1',
    schema: envelope('CaseClosed', '1', 'A verified case was closed.'),
  },
  CaseReported: {
    source: CASE_EVENT_SOURCE,
    detailType: 'CaseReported',
    version: '1',
    schema: envelope(
      'CaseReported',
      '1',
      'A report or a warning was received (受理): it waits for registration, an on-site check or a decision.',
    ),
  },
  CaseRegistered: {
    source: CASE_EVENT_SOURCE,
    detailType: 'CaseRegistered',
    version: '1',
    schema: envelope('CaseRegistered', '1', 'A received report or warning was registered as a case (立案).'),
  },
  CaseRefused: {
    source: CASE_EVENT_SOURCE,
    detailType: 'CaseRefused',
    version: '1',
    schema: envelope('CaseRefused', '1', 'A report or warning was refused (不予立案); `refusal` gives the reason.'),
  },
  CaseMerged: {
    source: CASE_EVENT_SOURCE,
    detailType: 'CaseMerged',
    version: '1',
    schema: envelope(
      'CaseMerged',
      '1',
      'Another report of the class joined the case (a person’s, or a device’s at another site); `reports` grew.',
    ),
  },
  CaseReturned: {
    source: CASE_EVENT_SOURCE,
    detailType: 'CaseReturned',
    version: '1',
    schema: envelope(
      'CaseReturned',
      '1',
      'The unit sent the case back to the dispatcher (回退), with its note: it waits to be dispatched again.',
    ),
  },
  CaseExtensionRequested: {
    source: CASE_EVENT_SOURCE,
    detailType: 'CaseExtensionRequested',
    version: '1',
    schema: envelope(
      'CaseExtensionRequested',
      '1',
      'The unit asked for more time (延期): `extension` gives the deadline asked for and why.',
    ),
  },
  CaseExtended: {
    source: CASE_EVENT_SOURCE,
    detailType: 'CaseExtended',
    version: '1',
    schema: envelope('CaseExtended', '1', 'An extension was approved: `dueAt` is the new deadline.'),
  },
  CaseExtensionRejected: {
    source: CASE_EVENT_SOURCE,
    detailType: 'CaseExtensionRejected',
    version: '1',
    schema: envelope('CaseExtensionRejected', '1', 'An extension was rejected, with the reason: the deadline stands.'),
  },
  CaseParked: {
    source: CASE_EVENT_SOURCE,
    detailType: 'CaseParked',
    version: '1',
    schema: envelope(
      'CaseParked',
      '1',
      'The case was parked (挂账): it cannot be solved soon; `parked` says why and when it is reviewed. Its clock stops.',
    ),
  },
  CaseUnparked: {
    source: CASE_EVENT_SOURCE,
    detailType: 'CaseUnparked',
    version: '1',
    schema: envelope(
      'CaseUnparked',
      '1',
      'A parked case went back where it was; its deadline moved by the time parked.',
    ),
  },
  CaseDispatchedDown: {
    source: CASE_EVENT_SOURCE,
    detailType: 'CaseDispatchedDown',
    version: '1',
    schema: envelope(
      'CaseDispatchedDown',
      '1',
      'The unit sent the case down to a community or a grid (二级派遣): `assignedTo` says which; its people handle it.',
    ),
  },
  CaseInspected: {
    source: CASE_EVENT_SOURCE,
    detailType: 'CaseInspected',
    version: '1',
    schema: envelope(
      'CaseInspected',
      '1',
      'The inspector checked the work on site (核查), with a photo and a position: passed (verified) or ' +
        'failed (reopened, rework). The last history entry has the outcome.',
    ),
  },
  CaseStageOverdue: {
    source: CASE_EVENT_SOURCE,
    detailType: 'CaseStageOverdue',
    version: '1',
    schema: envelope(
      'CaseStageOverdue',
      '1',
      'A report waits for registration past `registerBy`, resolved work for the inspector’s check past ' +
        '`verifyBy`, or a parked case for its review past `parked.reviewAt`: `late` says which stage and ' +
        'since when.',
    ),
  },
  CaseSupervised: {
    source: CASE_EVENT_SOURCE,
    detailType: 'CaseSupervised',
    version: '1',
    schema: envelope(
      'CaseSupervised',
      '1',
      'A leader or the office pressed the unit on the case (督办): a notice to its lead unit; ' +
        '`supervision` has the latest notice and the count.',
    ),
  },
} as const;

export type CaseEventType = keyof typeof CASE_EVENTS;
const EXTENSION_EVENTS: Record<NonNullable<Case['extension']>['state'], CaseEventType> = {
  requested: 'CaseExtensionRequested',
  approved: 'CaseExtended',
  rejected: 'CaseExtensionRejected',
};

export type CaseEvent = BusEvent<Case, CaseEventType> & { source: typeof CASE_EVENT_SOURCE };

/**
 * The event a change of a case item means (from the table's stream images), or none for
 * other items (active-case locks, markers), deletions, and rewrites at the same version.
 */
export function caseEventFor(change: {
  id: string;
  oldImage?: Record<string, unknown>;
  newImage?: Record<string, unknown>;
}): CaseEvent | undefined {
  const after = change.newImage;
  if (after?.recordType !== 'case') return undefined;
  const before = change.oldImage as Case | undefined;
  const now = stripStorage(after);
  // A rewrite of its storage attributes only (a migration) is no change of the case.
  if (before && before.version === now.version) return undefined;
  let detailType: CaseEventType = 'CaseUpdated';
  if (!before)
    detailType = now.status === 'refused' ? 'CaseRefused' : now.status === 'open' ? 'CaseOpened' : 'CaseReported';
  else if (now.status === 'refused' && before.status !== 'refused') detailType = 'CaseRefused';
  else if (now.status === 'open' && before.status !== 'open' && !before.registeredAt) detailType = 'CaseRegistered';
  else if ((now.reports?.length ?? 0) > (before.reports?.length ?? 0)) detailType = 'CaseMerged';
  else if (now.status === 'closed' && before.status !== 'closed') detailType = 'CaseClosed';
  else if (now.status === 'resolved' && before.status !== 'resolved') detailType = 'CaseResolved';
  else if (now.escalationLevel > before.escalationLevel) detailType = 'CaseEscalated';
  else if (before.status !== 'open' && now.status === 'open' && now.history.at(-1)?.action === 'return')
    detailType = 'CaseReturned';
  else if (now.status === 'parked' && before.status !== 'parked') detailType = 'CaseParked';
  else if (before.status === 'parked' && now.status !== 'parked') detailType = 'CaseUnparked';
  else if (now.extension && before.extension?.state !== now.extension.state)
    detailType = EXTENSION_EVENTS[now.extension.state];
  else if (before.status === 'resolved' && now.history.at(-1)?.action === 'inspect') detailType = 'CaseInspected';
  else if ((now.supervision?.count ?? 0) > (before.supervision?.count ?? 0)) detailType = 'CaseSupervised';
  else if (now.assignedTo && now.assignedTo.at !== before.assignedTo?.at) detailType = 'CaseDispatchedDown';
  else if (now.late && (now.late.stage !== before.late?.stage || now.late.since !== before.late?.since))
    detailType = 'CaseStageOverdue';
  const def = CASE_EVENTS[detailType];
  return {
    source: def.source,
    detailType,
    detail: { metadata: { version: def.version, occurredAt: now.updatedAt, id: change.id }, data: now },
  };
}

/**
 * Every event a change of the case table means: its case event, then the 12345 hotline's
 * answers for the tickets the case holds (see `hotline-events.ts`). None for other items.
 */
export function changeEventsFor(change: {
  id: string;
  oldImage?: Record<string, unknown>;
  newImage?: Record<string, unknown>;
}): (CaseEvent | HotlineEvent)[] {
  const event = caseEventFor(change);
  if (!event) return [];
  const before = change.oldImage?.recordType === 'case' ? stripStorage(change.oldImage) : undefined;
  return [event, ...hotlineEventsFor(change.id, before, event.detail.data)];
}

/**
 * The case table's storage attributes (keys and index attributes, written by
 * `case-store.ts`), which a case does not have: left out of a stream image's case.
 */
export const CASE_STORAGE_ATTRIBUTES = [
  'pk',
  'sk',
  'recordType',
  'openedKey',
  'districtShard',
  'unitShard',
  'streetShard',
  'workingKey',
  'dueKey',
  'mergeKey',
] as const;

function stripStorage(item: Record<string, unknown>): Case {
  const rest = { ...item };
  for (const name of CASE_STORAGE_ATTRIBUTES) delete rest[name];
  return rest as unknown as Case;
}
