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

export const isActive = (status: CaseStatus) => ACTIVE_STATUSES.includes(status);

/** The desk stages a case can be late in (see `markLate`). */
export const LATE_STAGES = ['register', 'verify', 'review'] as const;
export type LateStage = (typeof LATE_STAGES)[number];
