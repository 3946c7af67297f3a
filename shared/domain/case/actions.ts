import { metresBetween, type LatLon } from '../city-model.ts';
import { PEOPLE_SOURCES, type PeopleSource } from '../classification.ts';
import { type Role, sensorActor } from './actors.ts';
import { CATEGORY_POLICY } from './category-policy.ts';
import { IllegalTransitionError, MissingReasonError, TRANSITIONS, SENSOR_RESOLVE_FROM } from './cycle.ts';
import { extensionAfter, parkingAfter, withoutParking } from './extension-parking.ts';
import {
  type Assignment,
  type Case,
  type Evidence,
  type HistoryEntry,
  type InspectionOutcome,
  type Signal,
  withEvidence,
} from './model.ts';
import { deviceReportId } from './opening.ts';
import { CASE_ACTIONS, type CaseAction, INTAKE_STATUSES, type RefusalReason } from './statuses.ts';

/**
 * Taking an action of the cycle on a case: checked against the transitions (cycle.ts) and
 * what the action needs, applied, and recorded in the history; and a sensor's resolution.
 */

/** What a person gives with an action: a note, a refusal's reason, photos; a sensor, its evidence. */
export interface ActionDetails {
  note?: string;
  evidence?: Evidence;
  reason?: RefusalReason;
  media?: string[];
  /** The role the signed-in actor took it in. */
  role?: Role;
  /** A dispatch's unit, when the dispatcher names one (a redispatch after a return, say): it becomes the lead unit. */
  unitId?: string;
  /** An extension's asked-for deadline (epoch ms). */
  until?: number;
  /** When a parked case is to be looked at again (epoch ms). */
  reviewAt?: number;
  /** A dispatch down's community or grid (checked to be the case's street's by the caller). */
  assignTo?: Assignment;
  /** An inspection's outcome and where the inspector stood. */
  outcome?: InspectionOutcome;
  position?: LatLon;
}

/** The actions a unit takes on its own case: the history records the unit whose case it was. */
const UNIT_RECORDED: readonly CaseAction[] = [
  'return',
  'request_extension',
  'approve_extension',
  'reject_extension',
  'park',
  'unpark',
];

/** Applies an action, validated against the cycle, and records it in the history. */
export function transition(c: Case, action: CaseAction, actor: string, now: number, details: ActionDetails = {}): Case {
  if (!TRANSITIONS[action].from.includes(c.status)) throw new IllegalTransitionError(action, c.status);
  return applied(c, action, actor, now, details);
}

/**
 * The action of the cycle taken on a case between two reads of it (`read`, then `now`), if
 * one was: the first one. A person's action is decided on the case as it was read, so an
 * action taken in between (anyone's: a person's, a sensor's resolution or reopening, the
 * system's registration) makes theirs a conflict, never a second change decided on what
 * is gone. A signal counted, a report merged, an escalation or a late mark is not an
 * action: a person's action may be decided again on the case after it.
 */
export function actionSince(read: Case, now: Case): HistoryEntry | undefined {
  const since = now.history.slice(read.history.length).find((h) => CASE_ACTIONS.includes(h.action as CaseAction));
  if (since || (now.status === read.status && now.history.length >= read.history.length)) return since;
  // The status moved, or the history is not the one read (it is only ever appended to): taken for an action.
  return now.history.at(-1);
}

/** An action whose status the caller has checked (the cycle's, or the sensor's rule), with its details checked here. */
function applied(c: Case, action: CaseAction, actor: string, now: number, details: ActionDetails): Case {
  const { note, evidence, reason, media, role, unitId, until, reviewAt, assignTo, outcome, position } = details;
  const rule = TRANSITIONS[action];
  const extension = extensionAfter(c, action, actor, now, note, until);
  if (action === 'refuse' && !reason) throw new MissingReasonError();
  if (action === 'return' && !note?.trim())
    throw new MissingReasonError({
      en: 'a return (回退) needs a note: why the case is not for this unit',
      zh: '回退须填写说明：为什么不属于本单位',
    });
  if (action === 'resolve' && !media?.length && reportedByPeople(c))
    throw new MissingReasonError({
      en: 'a case people reported is resolved with a photo of the work (media: an uploaded id)',
      zh: '人工上报的案件须附处置后的照片方可办结',
    });
  const parking = parkingAfter(c, action, actor, now, note, reviewAt);
  checkDetails(c, action, details);
  const to =
    action === 'unpark'
      ? (c.parked?.from ?? 'open')
      : action === 'inspect'
        ? outcome === 'pass'
          ? 'verified'
          : 'reopened'
        : (rule.to ?? c.status);
  const entry: HistoryEntry = {
    action,
    from: c.status,
    to,
    actor,
    ...(role ? { role } : {}),
    at: now,
    ...(note ? { note } : {}),
    ...(evidence ? { evidence } : {}),
    ...(action === 'refuse' ? { reason } : {}),
    ...(media?.length ? { media } : {}),
    ...(action === 'dispatch' && unitId ? { unitId } : {}),
    ...(UNIT_RECORDED.includes(action) ? { unitId: c.leadUnit } : {}),
    ...(action === 'dispatch_down' ? { assignedTo: assignTo } : {}),
    ...(action === 'inspect' ? { outcome, position, distanceM: Math.round(metresBetween(c.location, position!)) } : {}),
    ...(action === 'request_extension' ? { until } : {}),
    ...(action === 'park' ? { reviewAt } : {}),
  };
  const redispatched = action === 'dispatch' && unitId && unitId !== c.leadUnit;
  // A dispatch (again) gives the case to a unit: what an earlier one sent down is the earlier unit's.
  const base = action === 'unpark' ? withoutParking(c) : action === 'dispatch' ? withoutAssignment(c) : c;
  const moved = (dueAt: number) => ({ dueAt, unitDueAt: dueAt });
  return {
    ...base,
    ...(redispatched ? { leadUnit: unitId, coUnits: c.coUnits.filter((u) => u !== unitId) } : {}),
    ...(extension ? { extension } : {}),
    ...(action === 'approve_extension' ? moved(c.extension!.until) : {}),
    ...(action === 'dispatch_down' ? { assignedTo: { ...assignTo!, at: now, by: actor } } : {}),
    ...(action === 'supervise'
      ? {
          supervision: {
            count: (c.supervision?.count ?? 0) + 1,
            at: now,
            by: actor,
            level: role === 'leader' ? ('leader' as const) : ('office' as const),
            note: note!,
          },
        }
      : {}),
    ...parking,
    status: to,
    // Registration starts the units' clock: the deadline counts from it.
    ...(action === 'register' ? { registeredAt: now, ...moved(now + CATEGORY_POLICY[c.category].slaMs) } : {}),
    ...(action === 'refuse' && reason ? { refusal: { reason, at: now, actor, ...(note ? { note } : {}) } } : {}),
    evidence: withEvidence(c, evidence),
    history: [...c.history, entry],
    updatedAt: now,
    version: c.version + 1,
  };
}

const withoutAssignment = ({ assignedTo: _assignedTo, ...c }: Case): Case => c;

/** What the new actions need besides their status: throws {@link MissingReasonError} for what is missing. */
function checkDetails(c: Case, action: CaseAction, { note, media, assignTo, outcome, position }: ActionDetails): void {
  if (action === 'dispatch_down' && !assignTo)
    throw new MissingReasonError({
      en: 'a dispatch down (二级派遣) names the community (communityId) or the grid (gridId)',
      zh: '二级派遣须选择社区或网格',
    });
  if (action === 'dispatch_down' && c.assignedTo?.level === assignTo!.level && c.assignedTo.id === assignTo!.id)
    throw new IllegalTransitionError(action, c.status, {
      en: `the case is with ${assignTo!.level} ${assignTo!.id} already`,
      zh: `案件已在${assignTo!.level === 'grid' ? '网格' : '社区'} ${assignTo!.id}`,
    });
  if (action === 'inspect') {
    if (!outcome)
      throw new MissingReasonError({
        en: 'an inspection (核查) says its outcome: pass or fail',
        zh: '核查须给出结果：通过或不通过',
      });
    if (!media?.length)
      throw new MissingReasonError({
        en: 'an inspection (核查) is made with a photo of the site (media)',
        zh: '核查须附现场照片',
      });
    if (!position)
      throw new MissingReasonError({
        en: 'an inspection (核查) says where the inspector stood (position)',
        zh: '核查须附监督员所在位置（请开启定位）',
      });
    if (outcome === 'fail' && !note?.trim())
      throw new MissingReasonError({
        en: 'a failed inspection needs a note: what is left',
        zh: '核查不通过须说明遗留的问题',
      });
  }
  if (action === 'supervise' && !note?.trim())
    throw new MissingReasonError({
      en: 'a supervision notice (督办) needs a note: what the unit is to do, by when',
      zh: '督办须说明单位要做什么、何时完成',
    });
}

/** Whether a person reported the case (or joined it): its resolution then shows the work in a photo. */
const reportedByPeople = (c: Case) => (c.reports ?? []).some((r) => PEOPLE_SOURCES.includes(r.source as PeopleSource));

/** Whether every report on the case came from this signal's (site, category): only then may its clear reading settle it. */
const soleSource = (c: Case, signal: Signal) =>
  (c.reports ?? []).every((r) => r.reportId === deviceReportId(signal)) &&
  c.siteId === signal.siteId &&
  c.category === signal.category;

/**
 * The clear condition holds: a working case becomes resolved with the reading as evidence
 * (the sensor's rule, {@link SENSOR_RESOLVE_FROM}, not the people's `resolve`);
 * a warning not yet registered is refused (the condition cleared first). A case others
 * reported too (people, other devices) waits for a person.
 */
export function resolveBySensor(c: Case, signal: Signal, now: number): Case | undefined {
  if (!soleSource(c, signal)) return undefined;
  const actor = sensorActor(signal.thing);
  if (INTAKE_STATUSES.includes(c.status))
    return transition(c, 'refuse', actor, now, {
      note: 'clear condition observed',
      evidence: signal.evidence,
      reason: 'cleared_before_registration',
    });
  if (!SENSOR_RESOLVE_FROM.includes(c.status)) return undefined;
  return applied(c, 'resolve', actor, now, { note: 'clear condition observed', evidence: signal.evidence });
}
