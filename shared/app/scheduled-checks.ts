import type { Department, Device, District, Street } from '#shared/domain/city-model';
import type { Clock } from '#shared/domain/clock';
import { detectOffline } from '#shared/domain/detectors/offline-detector';
import { caseLoadByUnit, type Case, type UnitCaseLoad } from '#shared/domain/cases';
import type { CaseService } from './case-service.ts';
import { allPages, type DeviceState, type Log, type Metrics, type Page } from './ports.ts';

export interface OfflineCheckDeps {
  registry: {
    listDistricts(): Promise<District[]>;
    listDevices(options: { districtId?: string; limit?: number; nextToken?: string }): Promise<Page<Device>>;
  };
  telemetry: {
    getLatestMany(things: string[]): Promise<Map<string, DeviceState>>;
    offlineThings(things: string[]): Promise<Set<string>>;
    markOffline(changes: { thing: string; offline: boolean }[], at: number): Promise<void>;
  };
  cases: Pick<CaseService, 'handle'>;
  clock: Clock;
  log: Log;
}

/**
 * The scheduled offline check, for every kind: a device silent for 3 × its report interval
 * gets a device-offline case; one reporting again resolves it. The conclusion is kept per
 * device, so only changes reach the case service.
 */
export async function checkOffline(deps: OfflineCheckDeps): Promise<{ checked: number; wentOffline: string[]; cameBack: string[] }> {
  const now = deps.clock.now();
  const devices = await allPages((nextToken) => deps.registry.listDevices({ limit: 500, nextToken }));
  const things = devices.map((d) => d.thing);
  const [states, offline] = await Promise.all([deps.telemetry.getLatestMany(things), deps.telemetry.offlineThings(things)]);
  const { changes, signals } = detectOffline(
    devices.map((device) => ({ device, lastSeenAt: states.get(device.thing)?.lastSeenAt, wasOffline: offline.has(device.thing) })),
    now,
  );
  // Cases first, then the flags: a crash in between repeats the signal, it never loses it.
  await deps.cases.handle(signals);
  await deps.telemetry.markOffline(changes, now);
  const wentOffline = changes.filter((c) => c.offline).map((c) => c.thing);
  const cameBack = changes.filter((c) => !c.offline).map((c) => c.thing);
  if (changes.length) deps.log.info('offline check', { checked: devices.length, wentOffline, cameBack });
  return { checked: devices.length, wentOffline, cameBack };
}

export interface SlaCheckDeps {
  registry: {
    listDistricts(): Promise<District[]>;
    listDepartments(districtId: string): Promise<Department[]>;
    listStreets(districtId: string): Promise<Street[]>;
  };
  cases: Pick<CaseService, 'escalateOverdue'>;
  clock: Clock;
  metrics: Metrics;
}

/**
 * The scheduled SLA check: overdue working cases escalate to the City Management Office,
 * and each lead unit's load (working and overdue cases, zero included for the district's
 * departments and street offices) is reported as the `WorkingCases` and `OverdueCases`
 * figures by `unit` for the dashboard.
 */
export async function escalateOverdue(deps: SlaCheckDeps): Promise<{ escalated: Case[]; load: UnitCaseLoad[] }> {
  const districts = await deps.registry.listDistricts();
  const units = (
    await Promise.all(
      districts.map(async (d) => {
        const [departments, streets] = await Promise.all([deps.registry.listDepartments(d.districtId), deps.registry.listStreets(d.districtId)]);
        return [...departments.map((x) => x.unitId), ...streets.map((x) => x.streetId)];
      }),
    )
  ).flat();
  const { escalated, working } = await deps.cases.escalateOverdue(districts.map((d) => d.districtId));
  const load = caseLoadByUnit(working, deps.clock.now(), [...new Set(units)]);
  for (const { unit, working: count, overdue } of load) {
    deps.metrics.count('WorkingCases', count, { unit });
    deps.metrics.count('OverdueCases', overdue, { unit });
  }
  deps.metrics.flush();
  return { escalated, load };
}
