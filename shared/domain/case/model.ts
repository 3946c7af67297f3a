import type { Contact, LatLon } from '../city-model.ts';
import type { Source, Urgency } from '../classification.ts';
import type { CaseCategory, PlaceIds } from '../responsibility.ts';
import type { Role } from './actors.ts';
import type { CaseAction, CaseStatus, LateStage, RefusalReason, Severity } from './statuses.ts';

/**
 * A case of the cycle (see statuses.ts), what joined it (a person's report, a device's
 * counted signals), and its history: every transition, who took it and why.
 */

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
export interface PersonReport {
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
  /**
   * The case number people read (案件编号, see `case-number.ts`): the district's local date
   * of opening and the day's serial, `202612080001`. Absent on cases stored before it.
   */
  caseNumber?: string;
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
  reports?: PersonReport[];
  /** When it was registered (立案); absent while in intake and for a refused report. */
  registeredAt?: number;
  refusal?: { reason: RefusalReason; note?: string; at: number; actor: string };
  /** Other (site, category) pairs whose signals joined it (their locks name it too). */
  joined?: { siteId: string; category: CaseCategory }[];
  /** Where it sits for merging (see merge-cells.ts `mergeCell`), for a class that merges. */
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
  place: PlaceIds;
  assignee: Contact;
}

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

/** The case's evidence with one more (the newest kept). */
export const withEvidence = (c: Case, evidence: Evidence | undefined) =>
  evidence ? [...c.evidence, evidence].slice(-MAX_EVIDENCE) : c.evidence;
