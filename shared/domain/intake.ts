import { sensorActor } from './case/actors.ts';
import { CATEGORY_POLICY } from './case/category-policy.ts';
import type { Case, CaseOrigin, PersonReport } from './case/model.ts';
import { isActive, type RefusalReason } from './case/statuses.ts';
import { type Contact, type LatLon, metresBetween } from './city-model.ts';
import { classCode, type CaseClass, type PeopleSource, type Urgency } from './classification.ts';
import { isMerging, mergeCell } from './merge-cells.ts';
import { ESCALATION_UNIT, responsibleUnits } from './responsibility.ts';

/**
 * Intake (受理): what people report, placed in its grid, received for the intake clerk to
 * register or refuse; and where reports of one class meet, so that a sensor's alarm, a
 * camera's detection and a citizen's call about one place are one case.
 */

/** A person's report, as the intake takes it. */
export interface PeopleReport {
  districtId: string;
  source: PeopleSource;
  cls: CaseClass;
  location: LatLon;
  /** A component's id (a garbage room's site id) when the report names one. */
  componentId?: string;
  address?: string;
  text: string;
  urgency?: Urgency;
  media: string[];
  reporter?: { name?: string; phone?: string; id?: string };
  /** The sender's own number for the report (a 12345 ticket number). */
  externalId?: string;
  at: number;
}

/** Who a person's report is from, as the history names them. */
export const reporterActor = (r: Pick<PeopleReport, 'source' | 'reporter'>) =>
  `${r.source}:${r.reporter?.id ?? r.reporter?.name ?? 'anonymous'}`;

export function peopleReport(reportId: string, r: PeopleReport): PersonReport {
  return {
    reportId,
    source: r.source,
    category: r.cls.categories[0]!,
    at: r.at,
    lastAt: r.at,
    count: 1,
    text: r.text,
    location: r.location,
    ...(r.address ? { address: r.address } : {}),
    ...(r.componentId ? { siteId: r.componentId } : {}),
    ...(r.reporter ? { reporter: r.reporter } : {}),
    media: r.media,
    ...(r.externalId ? { externalId: r.externalId } : {}),
  };
}

/** A person's report in the district, received: it waits for the intake clerk (or an on-site check). */
export function receiveReport(
  caseId: string,
  reportId: string,
  r: PeopleReport,
  origin: Omit<CaseOrigin, 'siteId'>,
  now: number,
): Case {
  const category = r.cls.categories[0]!;
  const units = responsibleUnits(category, origin.place);
  const report = peopleReport(reportId, r);
  return {
    caseId,
    districtId: r.districtId,
    category,
    classId: r.cls.classId,
    classCode: classCode(r.cls),
    ...(r.componentId ? { componentId: r.componentId } : {}),
    source: r.source,
    urgency: r.urgency ?? r.cls.urgency,
    reports: [report],
    severity: CATEGORY_POLICY[category].severity,
    status: 'received',
    siteId: r.componentId ?? '',
    location: origin.location,
    gridId: origin.place.gridId,
    communityId: origin.place.communityId,
    streetId: origin.place.streetId,
    leadUnit: units.leadUnit,
    coUnits: units.coUnits,
    assignee: origin.assignee,
    openedAt: now,
    dueAt: now + CATEGORY_POLICY[category].slaMs,
    occurrences: 1,
    lastSeenAt: r.at,
    escalationLevel: 0,
    summary: r.text.slice(0, 500),
    evidence: [],
    history: [{ action: 'open', from: null, to: 'received', actor: reporterActor(r), at: now, reportId }],
    updatedAt: now,
    version: 1,
    ...(isMerging(r.cls) ? { mergeCell: mergeCell(r.districtId, r.cls, origin.location) } : {}),
  };
}

/**
 * A report the intake cannot take in, refused at once with its reason (a point outside
 * the district's grids): kept, so that the reporter and the office see why.
 */
export function refuseReport(
  caseId: string,
  reportId: string,
  r: PeopleReport,
  reason: RefusalReason,
  note: string,
  now: number,
): Case {
  const category = r.cls.categories[0]!;
  const actor = sensorActor(undefined);
  return {
    caseId,
    districtId: r.districtId,
    category,
    classId: r.cls.classId,
    classCode: classCode(r.cls),
    source: r.source,
    urgency: r.urgency ?? r.cls.urgency,
    reports: [peopleReport(reportId, r)],
    severity: CATEGORY_POLICY[category].severity,
    status: 'refused',
    refusal: { reason, note, at: now, actor },
    siteId: '',
    location: r.location,
    gridId: '',
    communityId: '',
    streetId: '',
    leadUnit: ESCALATION_UNIT,
    coUnits: [],
    assignee: NO_ASSIGNEE,
    openedAt: now,
    dueAt: now,
    occurrences: 1,
    lastSeenAt: r.at,
    escalationLevel: 0,
    summary: r.text.slice(0, 500),
    evidence: [],
    history: [
      { action: 'open', from: null, to: 'received', actor: reporterActor(r), at: now, reportId },
      { action: 'refuse', from: 'received', to: 'refused', actor, at: now, reason, note },
    ],
    updatedAt: now,
    version: 2,
  };
}

const NO_ASSIGNEE: Contact = { name: '—', phone: '00000' };

/**
 * The active case of the class that a report at `p`, at time `at`, joins: within the
 * class's merge distance of the case (or of any report on it) and its merge time of the
 * case's last report; the nearest if several. A device's signal (`from` its site) never
 * joins a case that another site's device of the same category reported: two garbage
 * rooms overflowing side by side are two problems, each with its own case.
 */
export function caseToJoin(
  candidates: readonly Case[],
  cls: CaseClass,
  p: LatLon,
  at: number,
  from?: { siteId: string; category: Case['category'] },
): Case | undefined {
  if (!isMerging(cls)) return undefined;
  const otherSite = (c: Case) =>
    from !== undefined &&
    [{ siteId: c.siteId, category: c.category }, ...(c.reports ?? [])].some(
      (r) => r.category === from.category && r.siteId && r.siteId !== from.siteId,
    );
  let best: { c: Case; d: number } | undefined;
  for (const c of candidates) {
    if (c.classId !== cls.classId || !isActive(c.status) || otherSite(c)) continue;
    if (Math.abs(at - c.lastSeenAt) > cls.merge.withinMinutes * 60_000) continue;
    const d = Math.min(metresBetween(c.location, p), ...(c.reports ?? []).map((r) => metresBetween(r.location, p)));
    if (d <= cls.merge.distanceM && (!best || d < best.d)) best = { c, d };
  }
  return best?.c;
}
