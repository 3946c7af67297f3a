import { randomUUID } from 'node:crypto';
import type { ScheduledEvent } from 'aws-lambda';
import type { Clock } from '#shared/domain/clock';
import { ratePeriodMs, type ScheduleSpec } from '#infra/topology';
import type { LocalFunctions } from './cityops-functions.ts';
import type { Piece, Twin } from './pieces.ts';

/**
 * The local stand-in for EventBridge Scheduler: runs each schedule of the topology on
 * the stack's clock (a virtual clock makes them come sooner), with the `ScheduledEvent`
 * a function receives in AWS. A run never overlaps the previous run of the same schedule.
 */
export function startScheduler(options: {
  schedules: readonly ScheduleSpec[];
  handlers: Record<string, (event: ScheduledEvent) => Promise<unknown>>;
  clock: Clock;
  onRun?: (info: { schedule: string; result?: unknown; error?: unknown }) => void;
  tickMs?: number;
}) {
  const start = options.clock.now();
  const state = options.schedules.map((schedule) => ({
    schedule,
    period: ratePeriodMs(schedule.expression),
    next: start + ratePeriodMs(schedule.expression),
    running: undefined as Promise<void> | undefined,
    /** The last run's failure, until a run succeeds. */
    failed: undefined as string | undefined,
  }));
  let stopped = false;
  const timer = setInterval(() => {
    const now = options.clock.now();
    for (const s of state) {
      if (s.running || now < s.next) continue;
      s.next = now + s.period;
      const handler = options.handlers[s.schedule.name];
      if (!handler) throw new Error(`no local handler for function "${s.schedule.name}"`);
      const event: ScheduledEvent = {
        version: '0',
        id: randomUUID(),
        'detail-type': 'Scheduled Event',
        source: 'aws.scheduler',
        account: '000000000000',
        time: new Date(now).toISOString(),
        region: 'local',
        resources: [`arn:aws:scheduler:local:000000000000:schedule/default/${s.schedule.name}`],
        detail: {},
      };
      s.running = handler(event)
        .then((result) => {
          s.failed = undefined;
          options.onRun?.({ schedule: s.schedule.name, result });
        })
        .catch((error) => {
          s.failed = (error as Error).message;
          options.onRun?.({ schedule: s.schedule.name, error });
        })
        .finally(() => (s.running = undefined));
    }
  }, options.tickMs ?? 250);
  return {
    /**
     * Up while it runs its schedules, with the ones whose last run failed (each is tried
     * again at its next time, so a failure is not the scheduler being down).
     */
    status: () => {
      const failing = state.filter((s) => s.failed).map((s) => ({ schedule: s.schedule.name, error: s.failed }));
      return { up: !stopped, ...(failing.length ? { lastRunFailed: failing } : {}) };
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      await Promise.all(state.map((s) => s.running));
    },
  };
}

export interface SchedulesSettings {
  /** Run the topology's schedules (default true), or only those named. */
  schedules?: boolean | readonly string[];
}

/**
 * The topology's schedules (EventBridge Scheduler's `Schedule`s): every one, those named in
 * `schedules`, or none (`false`: reported as off).
 */
export function startSchedules(
  all: readonly ScheduleSpec[],
  options: SchedulesSettings & Pick<Twin, 'clock' | 'observer'> & { functions: LocalFunctions },
): Piece {
  const { schedules: run = true, clock, observer } = options;
  if (run === false) return { health: () => ({ up: true, schedules: 'off' }), stop: async () => {} };
  const schedules = run === true ? all : all.filter((s) => run.includes(s.name));
  const scheduler = startScheduler({
    schedules,
    handlers: options.functions.handlers as never,
    clock,
    onRun: observer.schedule,
  });
  return { health: scheduler.status, stop: () => scheduler.stop() };
}
