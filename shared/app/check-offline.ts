import type { Clock } from '#shared/domain/clock';
import type { Signal } from '#shared/domain/case/model';
import { reportingAgain, wentSilent } from '#shared/domain/detectors/offline-detector';
import type { CaseService } from './case-service.ts';
import type { Log } from './ports/observability.ts';
import type { Registry } from './ports/registry.ts';
import type { SilentDevice, TelemetryStore } from './ports/telemetry.ts';

export interface CheckOfflineDeps {
  registry: Pick<Registry, 'getDevices'>;
  telemetry: Pick<TelemetryStore, 'silentDevices' | 'markOffline'>;
  cases: Pick<CaseService, 'handle'>;
  clock: Clock;
  log: Log;
  /**
   * How long a run takes new chunks of devices (default 40 s of the function's 60): what is
   * left stays in the index and is the next run's.
   */
  budgetMs?: number;
}

/** Devices handed to the case service and marked together: a run's progress is kept a chunk at a time. */
const CHUNK = 500;
/** Signals handled at once within a chunk (a site's signals stay in one lane, in order). */
const LANES = 8;

/**
 * The scheduled offline check, for every kind: a device silent for 3 × its report interval
 * gets a device-offline case (ingest resolves it when the device reports again). It reads
 * only the devices whose silence due time has passed (see `offline-detector.ts`), never
 * the fleet: with every device reporting, a run is one query per index shard. An outage
 * of thousands is taken a chunk at a time, cases first and marks after, within the run's
 * budget; the rest is found again by the next run.
 */
export async function checkOffline(
  deps: CheckOfflineDeps,
): Promise<{ checked: number; wentOffline: string[]; reportedMeanwhile: string[]; left: number }> {
  const started = performance.now();
  const budgetMs = deps.budgetMs ?? 40_000;
  const now = deps.clock.now();
  const silent = await deps.telemetry.silentDevices(now);
  const wentOffline: string[] = [];
  const reportedMeanwhile: string[] = [];
  const notInRegistry: string[] = [];
  let checked = 0;
  for (let i = 0; i < silent.length; i += CHUNK) {
    if (i > 0 && performance.now() - started > budgetMs) break;
    const chunk = silent.slice(i, i + CHUNK);
    const outcome = await checkChunk(deps, chunk, now);
    checked += chunk.length;
    wentOffline.push(...outcome.wentOffline);
    reportedMeanwhile.push(...outcome.reported);
    notInRegistry.push(...outcome.unknown);
  }
  const left = silent.length - checked;
  if (silent.length)
    deps.log.info('offline check', {
      checked,
      wentOffline: wentOffline.length > 50 ? wentOffline.length : wentOffline,
      reportedMeanwhile,
      ...(left ? { left } : {}),
      ...(notInRegistry.length ? { notInRegistry } : {}),
    });
  return { checked, wentOffline, reportedMeanwhile, left };
}

async function checkChunk(deps: CheckOfflineDeps, chunk: SilentDevice[], now: number) {
  const devices = await deps.registry.getDevices(chunk.map((s) => s.thing));
  // Cases first, then the marks: a crash in between repeats the signal, it never loses it.
  await inLanes(
    deps,
    chunk.flatMap(({ thing, lastSeenAt }) => {
      const device = devices.get(thing);
      return device ? [wentSilent(device, lastSeenAt, now)] : [];
    }),
  );
  const reported = new Set(await deps.telemetry.markOffline(chunk, now));
  // A device that reported between the read and its mark was not marked: its case, just
  // opened, is resolved at once (ingest saw no mark to clear).
  const again = chunk.filter((s) => reported.has(s.thing) && devices.has(s.thing));
  if (again.length)
    await inLanes(
      deps,
      again.map((s) => reportingAgain(devices.get(s.thing)!, now, now)),
    );
  return {
    wentOffline: chunk.filter((s) => !reported.has(s.thing)).map((s) => s.thing),
    reported: [...reported],
    unknown: chunk.filter((s) => !devices.has(s.thing)).map((s) => s.thing),
  };
}

/** Hands signals to the case service several at a time, a site's signals in one lane and in order. */
async function inLanes(deps: Pick<CheckOfflineDeps, 'cases'>, signals: Signal[]): Promise<void> {
  const lanes: Signal[][] = Array.from({ length: LANES }, () => []);
  const laneOf = new Map<string, number>();
  for (const signal of signals) {
    const lane = laneOf.get(signal.siteId) ?? laneOf.size % LANES;
    laneOf.set(signal.siteId, lane);
    lanes[lane]!.push(signal);
  }
  await Promise.all(lanes.filter((lane) => lane.length).map((lane) => deps.cases.handle(lane)));
}
