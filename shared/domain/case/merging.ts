import type { LatLon } from '../city-model.ts';
import type { CaseClass } from '../classification.ts';
import { SYSTEM_ACTOR, sensorActor } from './actors.ts';
import { transition } from './actions.ts';
import { type Case, type HistoryEntry, MAX_REPORTS, type PersonReport, type Signal, withEvidence } from './model.ts';
import { deviceReportId, MAX_SNAPSHOTS, signalReport, snapshotMedia } from './opening.ts';

/**
 * What comes to a case after it opened: the anomaly again, another device's signal or a
 * person's report nearby joining it (merged), and the signals that register a warning.
 */

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

const mergeEntry = (c: Case, report: PersonReport, actor: string, now: number): HistoryEntry => ({
  action: 'merge',
  from: c.status,
  to: c.status,
  actor,
  at: now,
  reportId: report.reportId,
  note: `${report.source} report joined: ${report.text}`.slice(0, 2000),
});

/** A person's report of the case's class nearby joins it (the case keeps its id; its reports list grows). */
export function joinReport(c: Case, report: PersonReport, actor: string, now: number): Case {
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
