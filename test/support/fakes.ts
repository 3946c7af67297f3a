import type { Log, Metrics } from '#shared/app/ports/observability';
import type { Clock } from '#shared/domain/clock';

/** A log that keeps what it was told, for assertions. */
export function recordingLog(): Log & {
  entries: { level: string; message: string; fields?: Record<string, unknown> }[];
} {
  const entries: { level: string; message: string; fields?: Record<string, unknown> }[] = [];
  return {
    entries,
    info: (message, fields) => entries.push({ level: 'info', message, fields }),
    warn: (message, fields) => entries.push({ level: 'warn', message, fields }),
    error: (message, fields) => entries.push({ level: 'error', message, fields }),
  };
}

export function recordingMetrics(): Metrics & {
  totals: Map<string, number>;
  calls: { name: string; value: number; dimensions: Record<string, string> }[];
} {
  const totals = new Map<string, number>();
  const calls: { name: string; value: number; dimensions: Record<string, string> }[] = [];
  return {
    totals,
    calls,
    count: (name, value, dimensions = {}) => {
      totals.set(name, (totals.get(name) ?? 0) + value);
      calls.push({ name, value, dimensions });
    },
    flush() {},
  };
}

export const fixedClock = (now: number): Clock & { set(t: number): void } => {
  let t = now;
  return { now: () => t, set: (v) => (t = v) };
};
