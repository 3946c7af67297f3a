import type { TelemetryStore } from './ports/telemetry.ts';
import type { Registry } from './ports/registry.ts';
import type { Clock } from '#shared/domain/clock';
import { detectOffline } from '#shared/domain/detectors/offline-detector';
import type { CaseService } from './case-service.ts';
import { allPages } from './paging.ts';
import type { Log } from './ports/observability.ts';

export interface CheckOfflineDeps {
  registry: Pick<Registry, 'listDistricts' | 'listDevices'>;
  telemetry: Pick<TelemetryStore, 'getLatestMany' | 'offlineThings' | 'markOffline'>;
  cases: Pick<CaseService, 'handle'>;
  clock: Clock;
  log: Log;
}

/**
 * The scheduled offline check, for every kind: a device silent for 3 × its report interval
 * gets a device-offline case; one reporting again resolves it. The conclusion is kept per
 * device, so only changes reach the case service.
 */
export async function checkOffline(
  deps: CheckOfflineDeps,
): Promise<{ checked: number; wentOffline: string[]; cameBack: string[] }> {
  const now = deps.clock.now();
  const devices = await allPages((nextToken) => deps.registry.listDevices({ limit: 500, nextToken }));
  const things = devices.map((d) => d.thing);
  const [states, offline] = await Promise.all([
    deps.telemetry.getLatestMany(things),
    deps.telemetry.offlineThings(things),
  ]);
  const { changes, signals } = detectOffline(
    devices.map((device) => ({
      device,
      lastSeenAt: states.get(device.thing)?.lastSeenAt,
      wasOffline: offline.has(device.thing),
    })),
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
