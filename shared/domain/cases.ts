import { type Contact, type LatLon, metresBetween } from './city-model.ts';
import {
  classCode,
  classOf,
  type CaseClass,
  PEOPLE_SOURCES,
  type PeopleSource,
  type Source,
  type Urgency,
} from './classification.ts';
import { ACTION_NAMES, type Names, REFUSAL_REASON_NAMES, STATUS_NAMES, WordedError } from './labels.ts';
import { isMerging, mergeCell } from './merge-cells.ts';
import { ESCALATION_UNIT, responsibleUnits, type CaseCategory, type Place } from './responsibility.ts';
import { snapshotMediaId } from './media.ts';
import type { Role } from './roles.ts';

/**
 * The digital city-management case cycle. Intake first: a report or a warning is
 * received, optionally sent for an on-site check (checking), then registered (立案: open)
 * or refused (不予立案). A registered case goes open → dispatched → in_progress →
 * resolved → verified → closed, with void (rejected as invalid) and reopened (rework
 * after a failed verification). Every transition is kept in the case's history.
 */
export const CASE_STATUSES = [
  'open',
  'dispatched',
  'in_progress',
  'resolved',
  'verified',
  'closed',
  'void',
  'reopened',
  'received',
  'checking',
  'refused',
  'parked',
] as const;
export type CaseStatus = (typeof CASE_STATUSES)[number];

export const SEVERITIES = ['critical', 'major', 'minor', 'warning'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Actions a person (or a sensor, for resolve; the system, for register) may take through the ops API. */
export const CASE_ACTIONS = [
  'dispatch',
  'start',
  'resolve',
  'verify',
  'close',
  'reopen',
  'void',
  'check',
  'register',
  'refuse',
  'return',
  'request_extension',
  'approve_extension',
  'reject_extension',
  'park',
  'unpark',
  'dispatch_down',
  'inspect',
  'supervise',
] as const;
export type CaseAction = (typeof CASE_ACTIONS)[number];

/** Why a report is not registered (不予立案). Contract names: add, never rename. */
export const REFUSAL_REASONS = [
  'duplicate',
  'outside_district',
  'not_found_on_site',
  'not_city_management',
  'insufficient_information',
  'cleared_before_registration',
  'other',
] as const;
export type RefusalReason = (typeof REFUSAL_REASONS)[number];

/**
 * Each action: the statuses it is taken from, and the one it leads to (none: the status
 * stays, e.g. an extension's). The standard cycle's order: a case is dispatched (派遣) once
 * registered (立案), its unit starts the work (处置) once dispatched, and resolves it (处置反馈)
 * only while working on it (or reworking it after a failed check): never straight from
 * `open` or `dispatched`. A sensor's clear reading is not a person's resolution: see
 * {@link SENSOR_RESOLVE_FROM}. docs/cases.md has the table and the reasons.
 */
export const TRANSITIONS: Record<CaseAction, { from: readonly CaseStatus[]; to?: CaseStatus }> = {
  check: { from: ['received'], to: 'checking' },
  register: { from: ['received', 'checking'], to: 'open' },
  refuse: { from: ['received', 'checking'], to: 'refused' },
  dispatch: { from: ['open', 'reopened'], to: 'dispatched' },
  start: { from: ['dispatched'], to: 'in_progress' },
  // 处置反馈: the unit reports the work done, while it works on the case (or reworks it).
  resolve: { from: ['in_progress', 'reopened'], to: 'resolved' },
  verify: { from: ['resolved'], to: 'verified' },
  close: { from: ['verified'], to: 'closed' },
  reopen: { from: ['resolved'], to: 'reopened' },
  void: { from: ['open', 'dispatched', 'in_progress', 'reopened', 'resolved'], to: 'void' },
  // 回退: the unit sends a case that is not theirs back to the dispatcher, who dispatches it again.
  return: { from: ['dispatched', 'in_progress'], to: 'open' },
  // 延期: the unit asks for more time (a new deadline and why); the shift lead approves (the deadline moves) or rejects.
  request_extension: { from: ['dispatched', 'in_progress', 'reopened'] },
  approve_extension: { from: ['dispatched', 'in_progress', 'reopened'] },
  reject_extension: { from: ['dispatched', 'in_progress', 'reopened'] },
  // 挂账: a problem that cannot be solved soon is parked (its clock stops) until it is reviewed; unparked, it goes back where it was.
  park: { from: ['open', 'dispatched', 'in_progress', 'reopened'], to: 'parked' },
  unpark: { from: ['parked'] },
  // 二级派遣: the unit (a street office, say) sends its case down to a community or a grid, whose people then handle it.
  dispatch_down: { from: ['dispatched', 'in_progress', 'reopened'] },
  // 核查: the inspector checks the work on site, with a photo and their position: passed, it is verified; failed, rework.
  inspect: { from: ['resolved'] },
  // 督办: a leader or the office presses the unit on a case: a notice to the unit and a flag on the case.
  supervise: { from: ['open', 'dispatched', 'in_progress', 'reopened', 'parked'] },
};

/**
 * Where a device's case is resolved by its sensor's clear reading (the system's, not a
 * person's `resolve`): from any working status, since the condition ended whoever had the
 * case, dispatched or not. Only a case its devices alone reported (see `resolveBySensor`);
 * the history records it as `resolve` by `sensor:<thing>`, and the inspector checks it as
 * any other resolution.
 */
export const SENSOR_RESOLVE_FROM: readonly CaseStatus[] = ['open', 'dispatched', 'in_progress', 'reopened'];

/**
 * While a case is in one of these, it is the (site, category)'s one active case: a repeat
 * anomaly bumps it instead of opening another, and a report of its class nearby joins it.
 * Verified, closed, void and refused cases are done.
 */
export const ACTIVE_STATUSES: readonly CaseStatus[] = [
  'received',
  'checking',
  'open',
  'dispatched',
  'in_progress',
  'reopened',
  'resolved',
  'parked',
];
/** Before registration (立案): the intake's statuses. Not the units' cases yet. */
export const INTAKE_STATUSES: readonly CaseStatus[] = ['received', 'checking'];
/** Statuses in which the SLA clock runs (a resolved case waits for verification, not for the unit). */
export const WORKING_STATUSES: readonly CaseStatus[] = ['open', 'dispatched', 'in_progress', 'reopened'];

const HOUR = 3_600_000;

/** Severity and SLA (time to resolve) by category. */
export const CATEGORY_POLICY: Record<CaseCategory, { severity: Severity; slaMs: number }> = {
  garbage_overflow: { severity: 'major', slaMs: 2 * HOUR },
  collection_due: { severity: 'warning', slaMs: 4 * HOUR },
  bin_fire: { severity: 'critical', slaMs: HOUR / 2 },
  bin_knocked_over: { severity: 'minor', slaMs: 4 * HOUR },
  device_low_battery: { severity: 'warning', slaMs: 72 * HOUR },
  sensor_stuck: { severity: 'minor', slaMs: 48 * HOUR },
  device_offline: { severity: 'minor', slaMs: 24 * HOUR },
  market_stall_outside: { severity: 'minor', slaMs: 2 * HOUR },
  market_goods_piled: { severity: 'minor', slaMs: 2 * HOUR },
  market_litter: { severity: 'minor', slaMs: 2 * HOUR },
  illegal_parking: { severity: 'major', slaMs: HOUR },
  missed_sweeping: { severity: 'minor', slaMs: 6 * HOUR },
  sweeping_too_fast: { severity: 'warning', slaMs: 24 * HOUR },
  sweeper_silent: { severity: 'minor', slaMs: 4 * HOUR },
  exposed_garbage: { severity: 'minor', slaMs: 2 * HOUR },
  piled_goods: { severity: 'minor', slaMs: 4 * HOUR },
  street_trading: { severity: 'minor', slaMs: 2 * HOUR },
  shopfront_trading: { severity: 'minor', slaMs: 4 * HOUR },
  posters_graffiti: { severity: 'warning', slaMs: 24 * HOUR },
  illegal_structure: { severity: 'major', slaMs: 72 * HOUR },
  dirty_road: { severity: 'minor', slaMs: 4 * HOUR },
  damaged_bin: { severity: 'minor', slaMs: 24 * HOUR },
  damaged_manhole_cover: { severity: 'critical', slaMs: 4 * HOUR },
};

/**
 * How soon a case must be dispatched to its unit after it opens, by severity: the
 * assessment's "dispatched on time" (按时派遣).
 */
export const DISPATCH_SLA_MS: Record<Severity, number> = {
  critical: 10 * 60_000,
  major: 30 * 60_000,
  minor: HOUR,
  warning: 2 * HOUR,
};

export interface Evidence {
  /** The signal that brought it, so a signal handled twice counts once. */
  signalId?: string;
  at: number;
  /** The device whose reading it is, if a device. */
  thing?: string;
  summary: string;
  data?: Record<string, unknown>;
}

/** One report that joined a case: a person's, or a device's signals about one site (counted). */
export interface Report {
  reportId: string;
  source: Source;
  category: CaseCategory;
  /** When it came (the first signal, for a device). */
  at: number;
  /** The last signal that counted on it (devices), or `at`. */
  lastAt: number;
  /** Signals counted on it: 1 for a person's report. */
  count: number;
  text: string;
  location: LatLon;
  /** A person's words for the place, when they gave them. */
  address?: string;
  siteId?: string;
  thing?: string;
  /** Who reported: a person's name, phone or id (kept on the case; Open311 never shows them). */
  reporter?: { name?: string; phone?: string; id?: string };
  /** Media ids (photos, video). */
  media: string[];
  /**
   * The sender's own number for it (a 12345 hotline ticket's): one report per number and
   * source, however often it is sent.
   */
  externalId?: string;
}

/** How many reports a case keeps (the first ones; later ones still count in `occurrences`). */
export const MAX_REPORTS = 50;

export interface HistoryEntry {
  action: CaseAction | 'open' | 'repeat' | 'escalate' | 'merge' | 'overdue';
  from: CaseStatus | null;
  to: CaseStatus;
  /** Who: the signed-in user's name, a sensor (`sensor:<thing>`), a reporter, or the system. */
  actor: string;
  /** The role a signed-in actor took the action in. */
  role?: Role;
  at: number;
  note?: string;
  evidence?: Evidence;
  /** A refusal's reason code. */
  reason?: RefusalReason;
  /** The report that joined, for a merge. */
  reportId?: string;
  /** Media ids attached to the action (a photo of the work done). */
  media?: string[];
  /**
   * The unit a dispatch named (the case's lead unit from then on); for a unit's own action
   * (return, extension, parking), the case's lead unit when it was taken.
   */
  unitId?: string;
  /** A dispatch down's community or grid. */
  assignedTo?: Assignment;
  /** An inspection's outcome, where the inspector stood, and how far that was from the case. */
  outcome?: InspectionOutcome;
  position?: LatLon;
  distanceM?: number;
  /** The deadline an extension request asked for. */
  until?: number;
  /** A parking's review date. */
  reviewAt?: number;
}

export interface Case {
  caseId: string;
  districtId: string;
  category: CaseCategory;
  /** The standard class (see classification.ts) and its full code. */
  classId?: string;
  classCode?: string;
  /** Set for a component class: the component's id (a garbage room's site id). */
  componentId?: string;
  /** The first report's source. */
  source?: Source;
  urgency?: Urgency;
  /** Every report that joined it, the first one first. */
  reports?: Report[];
  /** When it was registered (立案); absent while in intake and for a refused report. */
  registeredAt?: number;
  refusal?: { reason: RefusalReason; note?: string; at: number; actor: string };
  /** Other (site, category) pairs whose signals joined it (their locks name it too). */
  joined?: { siteId: string; category: CaseCategory }[];
  /** Where it sits for merging (see intake.ts `mergeCell`), for a class that merges. */
  mergeCell?: string;
  severity: Severity;
  status: CaseStatus;
  siteId: string;
  thing?: string;
  zoneId?: string;
  location: LatLon;
  gridId: string;
  communityId: string;
  streetId: string;
  leadUnit: string;
  coUnits: string[];
  assignee: Contact;
  openedAt: number;
  dueAt: number;
  occurrences: number;
  lastSeenAt: number;
  escalationLevel: number;
  /** The latest request for more time (延期) and its decision. */
  extension?: Extension;
  /** While parked (挂账): where it was, since when, why, and when it is to be reviewed. */
  parked?: { from: CaseStatus; at: number; reviewAt: number; reason: string; by: string };
  /** The unit the case was escalated to, once overdue. */
  escalatedTo?: string;
  /**
   * The unit's deadline: the time limits' (from registration, then from dispatch), moved by
   * an approved extension and by a parked period; escalation does not move it (it moves
   * `dueAt`, the deadline of the rung the case is on). Absent on cases stored before it.
   */
  unitDueAt?: number;
  /** The intake's deadline to register it (立案), by the time limits, set when it came in. */
  registerBy?: number;
  /** The inspector's deadline to check the work (核查), by the time limits, set at its latest resolution. */
  verifyBy?: number;
  /**
   * A stage passed its deadline before it was done: the intake's (`registerBy`), the
   * inspector's (`verifyBy`), or a parked case's review (`parked.reviewAt`): which, and since when.
   */
  late?: { stage: LateStage; since: number };
  /** The community or grid the unit sent the case down to (二级派遣): its people handle it. */
  assignedTo?: Assignment & { at: number; by: string };
  /** Supervision notices (督办): how many, and the latest. */
  supervision?: Supervision;
  summary: string;
  evidence: Evidence[];
  history: HistoryEntry[];
  updatedAt: number;
  /** Optimistic-locking counter. */
  version: number;
}

/** Where a case was sent down to: a community of its street, or a grid. */
export interface Assignment {
  level: 'community' | 'grid';
  id: string;
}

export type InspectionOutcome = 'pass' | 'fail';

/** The supervision notices (督办) on a case: the count, and the latest one's who, when, what and level. */
export interface Supervision {
  count: number;
  at: number;
  by: string;
  /** A leader's notice (a leader's own, or the escalation ladder's last rung) or the office's (a shift lead's). */
  level: 'leader' | 'office';
  note: string;
}

/** How many evidence entries a case keeps (the newest). */
export const MAX_EVIDENCE = 20;

/** A stable id for a signal: the same detection handled again is recognised. */
export const signalId = (s: Omit<Signal, 'evidence'> & { evidence: Pick<Evidence, 'at'> }): string =>
  [s.kind, s.category, s.siteId, s.thing ?? '', s.zoneId ?? '', s.evidence.at].join('|');

/** What a detector reports: an anomaly at a site, or that its clear condition now holds. */
export interface Signal {
  kind: 'anomaly' | 'clear';
  category: CaseCategory;
  siteId: string;
  thing?: string;
  zoneId?: string;
  /** The unit that owns the work at this site, when it is not the category's lead (a route's sweeping unit). */
  unit?: string;
  evidence: Evidence;
}

export interface CaseOrigin {
  districtId: string;
  siteId: string;
  location: LatLon;
  place: Place;
  assignee: Contact;
}

export const SYSTEM_ACTOR = 'cityops';
export const sensorActor = (thing: string | undefined) => (thing ? `sensor:${thing}` : SYSTEM_ACTOR);

/** Categories that cameras raise (their signals' source is `video`). */
export const VIDEO_CATEGORIES: readonly CaseCategory[] = [
  'market_stall_outside',
  'market_goods_piled',
  'market_litter',
  'illegal_parking',
];
export const signalSource = (category: CaseCategory): Source => (VIDEO_CATEGORIES.includes(category) ? 'video' : 'iot');

/** A device's report on a case: one per (source, site, category), its signals counted. */
export const deviceReportId = (signal: Pick<Signal, 'category' | 'siteId' | 'zoneId'>) =>
  `${signalSource(signal.category)}:${signal.siteId}${signal.zoneId ? `/${signal.zoneId}` : ''}:${signal.category}`;

/** A device's report keeps its latest snapshots, this many. */
export const MAX_SNAPSHOTS = 5;

/** A camera's snapshot of the signal, as media (see `snapshotMediaId`): only one from the camera's own folder. */
const snapshotMedia = (signal: Signal): string[] => {
  const key = signal.evidence.data?.snapshotKey;
  const id = typeof key === 'string' && signal.thing ? snapshotMediaId(signal.thing, key) : undefined;
  return id ? [id] : [];
};

export function signalReport(signal: Signal, location: LatLon): Report {
  return {
    reportId: deviceReportId(signal),
    source: signalSource(signal.category),
    category: signal.category,
    at: signal.evidence.at,
    lastAt: signal.evidence.at,
    count: 1,
    text: signal.evidence.summary,
    location,
    siteId: signal.siteId,
    ...(signal.thing ? { thing: signal.thing } : {}),
    media: snapshotMedia(signal),
  };
}

/** The status a class's warning starts in: registered at once, waiting for an on-site check, or received. */
export const intakeStatus = (cls: CaseClass): CaseStatus =>
  cls.registration.rule === 'auto' ? 'open' : cls.registration.rule === 'check' ? 'checking' : 'received';

/**
 * A new case for an anomaly, routed to its responsible units, with its SLA: registered at
 * once or a warning waiting for what its class's registration rule asks.
 */
export function openCase(
  caseId: string,
  signal: Signal,
  origin: CaseOrigin,
  now: number,
  cls: CaseClass = classOf(undefined, signal.category),
): Case {
  const policy = CATEGORY_POLICY[signal.category];
  const table = responsibleUnits(signal.category, origin.place);
  const leadUnit = signal.unit ?? table.leadUnit;
  const coUnits = [...new Set([table.leadUnit, ...table.coUnits])].filter((u) => u !== leadUnit);
  const status = intakeStatus(cls);
  const report = signalReport(signal, origin.location);
  return {
    caseId,
    districtId: origin.districtId,
    category: signal.category,
    classId: cls.classId,
    classCode: classCode(cls),
    ...(cls.type === 'component' ? { componentId: origin.siteId } : {}),
    source: report.source,
    urgency: cls.urgency,
    reports: [report],
    severity: policy.severity,
    status,
    ...(status === 'open' ? { registeredAt: now } : {}),
    siteId: origin.siteId,
    ...(signal.thing ? { thing: signal.thing } : {}),
    ...(signal.zoneId ? { zoneId: signal.zoneId } : {}),
    location: origin.location,
    gridId: origin.place.gridId,
    communityId: origin.place.communityId,
    streetId: origin.place.streetId,
    leadUnit,
    coUnits,
    assignee: origin.assignee,
    openedAt: now,
    dueAt: now + policy.slaMs,
    unitDueAt: now + policy.slaMs,
    occurrences: 1,
    lastSeenAt: signal.evidence.at,
    escalationLevel: 0,
    summary: signal.evidence.summary,
    evidence: [signal.evidence],
    history: [
      {
        action: 'open',
        from: null,
        to: status,
        actor: sensorActor(signal.thing),
        at: now,
        evidence: signal.evidence,
        ...(status === 'open' ? {} : { note: `warning: ${describeRule(cls)}` }),
      },
    ],
    updatedAt: now,
    version: 1,
    ...(isMerging(cls) ? { mergeCell: mergeCell(origin.districtId, cls, origin.location) } : {}),
  };
}

/** What a class's warnings wait for, in words for the history. */
export function describeRule(cls: CaseClass): string {
  const rule = cls.registration;
  switch (rule.rule) {
    case 'auto':
      return 'registered at once';
    case 'confirm':
      return `registered when ${rule.signals} signals confirm it`;
    case 'check':
      return 'registered after an on-site check';
    case 'decision':
      return 'registered by the shift lead’s decision';
  }
}

export class IllegalTransitionError extends WordedError {
  constructor(
    readonly action: string,
    readonly status: CaseStatus,
    why?: Names,
  ) {
    const act = ACTION_NAMES[action as CaseAction]?.zh ?? action;
    const from = TRANSITIONS[action as CaseAction]?.from ?? [];
    super(
      why
        ? { en: `cannot ${action}: ${why.en}`, zh: `不能${act}：${why.zh}` }
        : {
            en: `cannot ${action} a case that is ${status} (allowed from: ${from.join(', ') || 'nowhere'})`,
            zh: `案件现为「${STATUS_NAMES[status].zh}」，不能${act}（${from.length ? `可${act}的状态：${from.map((f) => STATUS_NAMES[f].zh).join('、')}` : '无此操作'}）`,
          },
    );
  }
}

const withEvidence = (c: Case, evidence: Evidence | undefined) =>
  evidence ? [...c.evidence, evidence].slice(-MAX_EVIDENCE) : c.evidence;

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
  if (action === 'park' && (!note?.trim() || reviewAt === undefined || reviewAt <= now))
    throw new MissingReasonError({
      en: 'parking (挂账) needs a note (why it cannot be solved soon) and a review date after now',
      zh: '挂账须说明暂时无法解决的原因，并给出晚于今天的复查日期',
    });
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
    ...(action === 'park'
      ? { parked: { from: c.status, at: now, reviewAt: reviewAt!, reason: note!, by: actor } }
      : {}),
    // The clock stopped while parked: the deadline moves by the time it was parked (working hours: see time-limits.ts).
    ...(action === 'unpark' && c.parked
      ? {
          dueAt: c.dueAt + Math.max(0, now - c.parked.at),
          unitDueAt: (c.unitDueAt ?? c.dueAt) + Math.max(0, now - c.parked.at),
        }
      : {}),
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

const withoutParking = ({ parked: _parked, ...c }: Case): Case => c;
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

/** A unit's request for more time (延期), and what became of it. */
export interface Extension {
  until: number;
  reason: string;
  requestedBy: string;
  requestedAt: number;
  state: 'requested' | 'approved' | 'rejected';
  decidedBy?: string;
  decidedAt?: number;
  note?: string;
}

/** The case's extension after an extension action; undefined for other actions. Throws for one the case's extension does not allow. */
function extensionAfter(
  c: Case,
  action: CaseAction,
  actor: string,
  now: number,
  note: string | undefined,
  until: number | undefined,
): Extension | undefined {
  const pending = c.extension?.state === 'requested';
  if (action === 'request_extension') {
    if (pending)
      throw new IllegalTransitionError(action, c.status, {
        en: 'an extension is already waiting for a decision',
        zh: '已有一个延期申请在等待审批',
      });
    if (!note?.trim())
      throw new MissingReasonError({ en: 'an extension (延期) needs a note: why more time', zh: '申请延期须说明原因' });
    if (until === undefined || until <= Math.max(now, c.dueAt))
      throw new MissingReasonError({
        en: 'an extension names a new deadline (until) after the present one',
        zh: '申请延期须给出晚于现有时限的新时限',
      });
    return { until, reason: note, requestedBy: actor, requestedAt: now, state: 'requested' };
  }
  if (action === 'approve_extension' || action === 'reject_extension') {
    if (!pending)
      throw new IllegalTransitionError(action, c.status, {
        en: 'no extension is waiting for a decision',
        zh: '没有等待审批的延期申请',
      });
    if (action === 'reject_extension' && !note?.trim())
      throw new MissingReasonError({ en: 'a rejected extension needs a note: why not', zh: '不同意延期须说明原因' });
    return {
      ...c.extension!,
      state: action === 'approve_extension' ? 'approved' : 'rejected',
      decidedBy: actor,
      decidedAt: now,
      ...(note ? { note } : {}),
    };
  }
  return undefined;
}

export class MissingReasonError extends WordedError {
  constructor(
    words: Names = {
      en: `a refusal needs a reason: one of ${REFUSAL_REASONS.join(', ')}`,
      zh: `不予立案须选择原因：${REFUSAL_REASONS.map((r) => REFUSAL_REASON_NAMES[r].zh).join('、')}`,
    },
  ) {
    super(words);
  }
}

/**
 * The anomaly happened again while the case is active, or a device's signal of the case's
 * class came from nearby: count it on its report (a new report when it is the first from
 * that site), and if the case had been resolved (awaiting verification), the work failed:
 * reopen. `joined` names a (site, category) whose signals now go to this case.
 */
export function repeatAnomaly(
  c: Case,
  signal: Signal,
  now: number,
  at?: { location: LatLon; joined?: boolean },
): Case | undefined {
  if (signal.evidence.signalId && c.evidence.some((e) => e.signalId === signal.evidence.signalId)) return undefined;
  const reports = c.reports ?? [];
  const id = deviceReportId(signal);
  const known = reports.find((r) => r.reportId === id);
  const history = [...c.history];
  let nextReports = reports;
  if (known)
    nextReports = reports.map((r) =>
      r === known
        ? {
            ...r,
            count: r.count + 1,
            lastAt: Math.max(r.lastAt, signal.evidence.at),
            media: [...new Set([...(r.media ?? []), ...snapshotMedia(signal)])].slice(-MAX_SNAPSHOTS),
          }
        : r,
    );
  else if (at) {
    const report = signalReport(signal, at.location);
    nextReports = reports.length < MAX_REPORTS ? [...reports, report] : reports;
    history.push(mergeEntry(c, report, sensorActor(signal.thing), now));
  }
  const joined =
    at?.joined && !(c.joined ?? []).some((j) => j.siteId === signal.siteId && j.category === signal.category)
      ? [...(c.joined ?? []), { siteId: signal.siteId, category: signal.category }]
      : c.joined;
  const bumped: Case = {
    ...c,
    ...(c.reports || nextReports.length ? { reports: nextReports } : {}),
    ...(joined ? { joined } : {}),
    occurrences: c.occurrences + 1,
    lastSeenAt: Math.max(c.lastSeenAt, signal.evidence.at),
    evidence: withEvidence(c, signal.evidence),
    history,
    updatedAt: now,
    version: c.version + 1,
  };
  if (c.status !== 'resolved') return bumped;
  const entry: HistoryEntry = {
    action: 'reopen',
    from: 'resolved',
    to: 'reopened',
    actor: sensorActor(signal.thing),
    at: now,
    note: 'the anomaly came back',
    evidence: signal.evidence,
  };
  return { ...bumped, status: 'reopened', history: [...history, entry] };
}

const mergeEntry = (c: Case, report: Report, actor: string, now: number): HistoryEntry => ({
  action: 'merge',
  from: c.status,
  to: c.status,
  actor,
  at: now,
  reportId: report.reportId,
  note: `${report.source} report joined: ${report.text}`.slice(0, 2000),
});

/** A person's report of the case's class nearby joins it (the case keeps its id; its reports list grows). */
export function joinReport(c: Case, report: Report, actor: string, now: number): Case {
  const reports = c.reports ?? [];
  return {
    ...c,
    reports: reports.length < MAX_REPORTS ? [...reports, report] : reports,
    occurrences: c.occurrences + 1,
    lastSeenAt: Math.max(c.lastSeenAt, report.at),
    history: [...c.history, mergeEntry(c, report, actor, now)],
    updatedAt: now,
    version: c.version + 1,
  };
}

/** Signals counted on a case: every device report's count (people's reports are for the clerk to weigh). */
export const signalCount = (c: Case) =>
  (c.reports ?? []).reduce((n, r) => n + (r.source === 'iot' || r.source === 'video' ? r.count : 0), 0);

/** A received warning whose class registers on confirmation, confirmed by enough signals: registered by the system. */
export function confirmRegistration(c: Case, cls: CaseClass, now: number): Case | undefined {
  const rule = cls.registration;
  if (c.status !== 'received' || rule.rule !== 'confirm' || signalCount(c) < rule.signals) return undefined;
  return transition(c, 'register', SYSTEM_ACTOR, now, { note: `confirmed by ${signalCount(c)} signals` });
}

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

/** The escalation ladder's rungs, in order: the case's street office, the City Management Office, a leader's supervision notice. */
export const ESCALATION_RUNGS = ['street_office', 'city_management_office', 'leader'] as const;
export type EscalationRung = (typeof ESCALATION_RUNGS)[number];

/**
 * The rung an overdue case goes up to next (its `escalationLevel` becomes the rung's
 * number, 1 to 3): a rung whose unit already leads the case is passed over (a street
 * office's own case goes straight to the office). None past the last.
 */
export function nextRung(
  c: Pick<Case, 'escalationLevel' | 'leadUnit' | 'streetId'>,
): { level: number; rung: EscalationRung; unit?: string } | undefined {
  for (let level = c.escalationLevel + 1; level <= ESCALATION_RUNGS.length; level++) {
    const rung = ESCALATION_RUNGS[level - 1]!;
    if (rung === 'leader') return { level, rung };
    const unit = rung === 'street_office' ? c.streetId : ESCALATION_UNIT;
    if (unit && unit !== c.leadUnit) return { level, rung, unit };
  }
  return undefined;
}

/**
 * An overdue working case goes one rung up the ladder (see {@link nextRung}), with a new
 * deadline (`dueAt`, the rung's; the unit's own, `unitDueAt`, stays): to its street office,
 * then to the City Management Office (each joins the case's units), then a leader's
 * supervision notice. Undefined when it is not overdue or is on the last rung.
 */
export function escalate(c: Case, now: number, nextDueAt: number): Case | undefined {
  if (!WORKING_STATUSES.includes(c.status) || now <= c.dueAt) return undefined;
  const next = nextRung(c);
  if (!next) return undefined;
  const late = `overdue since ${new Date(c.dueAt).toISOString()}`;
  const note =
    next.rung === 'leader'
      ? `${late}; a leader's supervision notice (领导督办, level ${next.level})`
      : `${late}; escalated to ${next.unit} (level ${next.level})`;
  const entry: HistoryEntry = {
    action: 'escalate',
    from: c.status,
    to: c.status,
    actor: SYSTEM_ACTOR,
    at: now,
    note,
    ...(next.unit ? { unitId: next.unit } : {}),
  };
  const unit = next.unit;
  return {
    ...c,
    unitDueAt: c.unitDueAt ?? c.dueAt,
    escalationLevel: next.level,
    ...(unit
      ? {
          escalatedTo: unit,
          coUnits: c.coUnits.includes(unit) || c.leadUnit === unit ? c.coUnits : [...c.coUnits, unit],
        }
      : {
          supervision: {
            count: (c.supervision?.count ?? 0) + 1,
            at: now,
            by: SYSTEM_ACTOR,
            level: 'leader' as const,
            note,
          },
        }),
    dueAt: nextDueAt,
    history: [...c.history, entry],
    updatedAt: now,
    version: c.version + 1,
  };
}

export const LATE_STAGES = ['register', 'verify', 'review'] as const;
export type LateStage = (typeof LATE_STAGES)[number];

const STAGE_WORDS: Record<LateStage, string> = {
  register: 'registration (立案)',
  verify: 'verification (核查)',
  review: 'the parked case’s review (挂账复查)',
};

/** The desk stage a case is in and its deadline: intake (`registerBy`), verification (`verifyBy`), a parking's review. */
export function deskStage(c: Case): { stage: LateStage; deadline: number | undefined } | undefined {
  if (INTAKE_STATUSES.includes(c.status)) return { stage: 'register', deadline: c.registerBy };
  if (c.status === 'resolved') return { stage: 'verify', deadline: c.verifyBy };
  if (c.status === 'parked') return { stage: 'review', deadline: c.parked?.reviewAt };
  return undefined;
}

/** The deadline a case is judged by now: its unit's while it is worked on, else its desk stage's (none when that has none). */
export const nextDeadline = (c: Case): number | undefined =>
  WORKING_STATUSES.includes(c.status) ? (c.unitDueAt ?? c.dueAt) : deskStage(c)?.deadline;

/**
 * A report waiting for the intake past `registerBy`, resolved work waiting for the
 * inspector past `verifyBy`, or a parked case past its review date: the case says so once
 * per deadline (`late`, and a history entry `overdue`), for the office to press on it or
 * the shift lead to look at it again. Undefined when none, or said already.
 */
export function markLate(c: Case, now: number): Case | undefined {
  const found = deskStage(c);
  if (!found || found.deadline === undefined || now <= found.deadline) return undefined;
  const { stage, deadline } = found;
  if (c.late?.stage === stage && c.late.since === deadline) return undefined;
  const entry: HistoryEntry = {
    action: 'overdue',
    from: c.status,
    to: c.status,
    actor: SYSTEM_ACTOR,
    at: now,
    note: `${STAGE_WORDS[stage]} overdue since ${new Date(deadline).toISOString()}`,
  };
  return {
    ...c,
    late: { stage, since: deadline },
    history: [...c.history, entry],
    updatedAt: now,
    version: c.version + 1,
  };
}

export const isActive = (status: CaseStatus) => ACTIVE_STATUSES.includes(status);

/**
 * A working case that missed its unit's deadline: past it now (`unitDueAt`, which
 * escalation does not move; `dueAt` on cases stored before it), or escalated already.
 */
export const isOverdue = (c: Pick<Case, 'status' | 'dueAt' | 'unitDueAt' | 'escalationLevel'>, now: number) =>
  WORKING_STATUSES.includes(c.status) && (now > (c.unitDueAt ?? c.dueAt) || c.escalationLevel > 0);

/** Working and overdue cases of one lead unit. */
export interface UnitCaseLoad {
  unit: string;
  working: number;
  overdue: number;
}

/**
 * What each lead unit has on its desk: working cases and how many of them are overdue,
 * for every unit named in `units` (zero when it has none) and every unit that leads a case.
 */
export function caseLoadByUnit(cases: readonly Case[], now: number, units: readonly string[] = []): UnitCaseLoad[] {
  const load = new Map<string, UnitCaseLoad>(units.map((unit) => [unit, { unit, working: 0, overdue: 0 }]));
  for (const c of cases) {
    if (!WORKING_STATUSES.includes(c.status)) continue;
    let entry = load.get(c.leadUnit);
    if (!entry) load.set(c.leadUnit, (entry = { unit: c.leadUnit, working: 0, overdue: 0 }));
    entry.working++;
    if (isOverdue(c, now)) entry.overdue++;
  }
  return [...load.values()].sort((a, b) => a.unit.localeCompare(b.unit));
}
