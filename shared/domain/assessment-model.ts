import type { ScoreWeights } from './assessment-weights.ts';
import type { Case } from './case/model.ts';
import type { Source } from './classification.ts';
import type { DeviceKind } from './device-kinds.ts';
import type { TimeLimits } from './time-limits.ts';
import type { SlaHours, WorkingCalendar } from './working-time.ts';

/** What the assessment (assessment.ts) is asked for, and what it answers: the figures of a period. */

export const GROUPINGS = ['unit', 'street', 'community', 'grid'] as const;
export type Grouping = (typeof GROUPINGS)[number];

export interface DurationFigures {
  count: number;
  averageMs: number | null;
  p90Ms: number | null;
}

export interface CaseFigures {
  registered: number;
  due: number;
  dueClosed: number;
  closedOnTime: number;
  onTimeClosureRate: number | null;
  closedRate: number | null;
  handledOnTime: number;
  onTimeHandlingRate: number | null;
  dispatchDue: number;
  dispatchedOnTime: number;
  onTimeDispatchRate: number | null;
  closed: number;
  resolved: number;
  reworked: number;
  reworkRate: number | null;
  voided: number;
  escalations: number;
  sensorVerifiedClosures: number;
  sensorVerifiedShare: number | null;
  timeToDispatch: DurationFigures;
  timeToClose: DurationFigures;
  overdueUnhandled: number;
  returned: number;
  extended: number;
  parked: number;
  /** The composite score, 0–100 (null without any figure to weigh). */
  score: number | null;
}

/** One inspector's figures (监督员考核). */
export interface InspectorFigures {
  /** The inspector: a report's reporter id (or name), a check's actor. */
  inspector: string;
  reports: number;
  accepted: number;
  acceptedRate: number | null;
  checks: number;
  /** Checks judged against a verification limit (those of cases whose class has time limits). */
  checksJudged: number;
  checkedOnTime: number;
  onTimeCheckRate: number | null;
}

export interface Period {
  from: number;
  to: number;
}

/** One scheduled sweeping window of a route, judged: how many of its segments were swept within it. */
export interface SweepWindowResult {
  routeId: string;
  /** The unit that sweeps the route. */
  unitId: string;
  /** The window's local date (YYYY-MM-DD). */
  date: string;
  windowKey: string;
  segments: number;
  sweptInTime: number;
}

/** Scheduled segment-windows and those swept in time (within the window, not in its late part). */
export interface CoverageFigures {
  windows: number;
  segmentWindows: number;
  sweptInTime: number;
  share: number | null;
}

export interface AssessmentOptions extends Period {
  by: Grouping;
  /** Now: a period not over yet is judged as of now. */
  asOf: number;
  hours?: SlaHours;
  /** The devices of the district, for availability. */
  devices?: readonly { thing: string; kind: DeviceKind }[];
  /** Their outages: offline maintenance tickets, open [from, to) (device-offline cases stored before tickets count too). */
  outages?: readonly { thing: string; from: number; to: number }[];
  /** The sweeping windows of the period that have ended, judged (see `assessment-service.ts`). */
  sweeping?: readonly SweepWindowResult[];
  /** The district's time limits: each case's class's table, counted on the working calendar. Without: the categories' SLAs on `hours`. */
  limits?: { of: (c: Case) => TimeLimits | undefined; calendar: WorkingCalendar };
  /** The composite score's weights (the district's); `DEFAULT_WEIGHTS` (assessment-weights.ts) without. */
  weights?: ScoreWeights;
}

export interface Comparison {
  period: Period;
  total: CaseFigures;
  /** This period's figure minus that period's, for each count and rate (rates in points of a share). */
  change: Partial<Record<keyof CaseFigures, number | null>>;
}

export interface Assessment {
  period: Period & { cutoff: number };
  by: Grouping;
  hours: SlaHours['kind'];
  total: CaseFigures;
  /** The groups ranked by score (ties share a rank; a group without a score has none). */
  groups: ({ key: string; rank: number | null } & CaseFigures)[];
  inspectors: InspectorFigures[];
  sensors: {
    /** Hours each garbage room spent overflowing (an overflow case open or reopened), most first. */
    overflowHours: { siteId: string; hours: number }[];
    /**
     * Sweeping windows each route missed (a missed-sweeping signal: a new case or a repeat), most
     * first; from the evidence a case keeps (its newest 20).
     */
    missedSweeping: { siteId: string; windows: number }[];
    /** Share of device-time not lost to an outage (an offline ticket open), overall and by kind. */
    deviceAvailability: { overall: number | null; byKind: Partial<Record<DeviceKind, number | null>> };
    /** Mechanised-sweeping coverage: the share of scheduled segment-windows swept in time, per route, unit and day. */
    sweepingCoverage: {
      total: CoverageFigures;
      byRoute: ({ routeId: string } & CoverageFigures)[];
      byUnit: ({ unitId: string } & CoverageFigures)[];
      byDay: ({ date: string } & CoverageFigures)[];
    };
  };
  /**
   * The intake: reports by source (people's and devices'), and reports by grid, with what
   * became of them in the period: registered, refused, or joined to another case (merged).
   */
  intake: {
    bySource: ({ source: Source } & IntakeFigures)[];
    byGrid: ({ gridId: string } & IntakeFigures)[];
  };
  /** The same length of time just before, and the same period a year earlier (环比, 同比): null where there is no data. */
  previous: Comparison | null;
  yearEarlier: Comparison | null;
}

/** Reports that came in the period; of the cases they started, those registered and refused in it; reports that joined a case. */
export interface IntakeFigures {
  reports: number;
  registered: number;
  refused: number;
  merged: number;
}
