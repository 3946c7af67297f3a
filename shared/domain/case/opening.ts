import type { LatLon } from '../city-model.ts';
import { classCode, classOf, type CaseClass } from '../classification.ts';
import { snapshotMediaId } from '../media.ts';
import { isMerging, mergeCell } from '../merge-cells.ts';
import { responsibleUnits } from '../responsibility.ts';
import { sensorActor } from './actors.ts';
import { CATEGORY_POLICY, signalSource } from './category-policy.ts';
import type { Case, CaseOrigin, PersonReport, Signal } from './model.ts';
import type { CaseStatus } from './statuses.ts';

/**
 * A case opened by a device's signal: its first report (the device's, its signals counted),
 * its class's registration rule deciding where it starts, routed to the responsible units.
 */

/** A device's report on a case: one per (source, site, category), its signals counted. */
export const deviceReportId = (signal: Pick<Signal, 'category' | 'siteId' | 'zoneId'>) =>
  `${signalSource(signal.category)}:${signal.siteId}${signal.zoneId ? `/${signal.zoneId}` : ''}:${signal.category}`;

/** A device's report keeps its latest snapshots, this many. */
export const MAX_SNAPSHOTS = 5;

/** A camera's snapshot of the signal, as media (see `snapshotMediaId`): only one from the camera's own folder. */
export const snapshotMedia = (signal: Signal): string[] => {
  const key = signal.evidence.data?.snapshotKey;
  const id = typeof key === 'string' && signal.thing ? snapshotMediaId(signal.thing, key) : undefined;
  return id ? [id] : [];
};

export function signalReport(signal: Signal, location: LatLon): PersonReport {
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
