import type { Device } from '#shared/domain/city-model';
import { topicFor } from '#shared/domain/topics';

/** One simulated device: what it publishes next, and when (virtual epoch ms). */
export interface Simulator {
  device: Device;
  topic: string;
  nextAt: number;
  /** The next message, or null to stay silent this time. */
  emit(now: number): Emission | null;
}

/** A message to publish: an object sent as JSON or raw text (a faulty device), to its own topic unless another is named. */
export interface Emission {
  payload: object | string;
  topic?: string;
}

/** A seeded pseudo-random source, so a scenario plays out the same way twice. */
export function seededRandom(seed: string): () => number {
  let h = 1779033703 ^ seed.length;
  for (let i = 0; i < seed.length; i++) h = Math.imul(h ^ seed.charCodeAt(i), 3432918353);
  let state = h >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Shared bookkeeping: the message counter and the report interval with jitter. */
export abstract class BaseSimulator implements Simulator {
  readonly topic: string;
  nextAt: number;
  protected seq = 0;
  protected readonly random: () => number;

  constructor(
    readonly device: Device,
    start: number,
  ) {
    this.topic = topicFor(device.kind, device.thing);
    this.random = seededRandom(device.thing);
    // First reports spread over the first few seconds, so a fleet does not publish in one burst.
    this.nextAt = start + Math.floor(this.random() * 3000);
  }

  emit(now: number): Emission | null {
    const payload = this.reading(now);
    this.nextAt = Math.round(now + this.intervalMs(now) * (0.9 + 0.2 * this.random()));
    return payload ? { payload } : null;
  }

  protected intervalMs(_now: number): number {
    return this.device.expectedIntervalSeconds * 1000;
  }

  protected nextSeq(): number {
    return this.seq++;
  }

  protected abstract reading(now: number): object | null;
}

export const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;

/**
 * A device that, once connected, first uploads readings it buffered (backdated, as a
 * sensor does after a connectivity gap), then reports `live` at its interval.
 */
export class ScriptedDevice extends BaseSimulator {
  private readonly queue: object[];

  constructor(
    device: Device,
    start: number,
    backlog: (start: number) => object[],
    private readonly live: ((now: number, seq: number) => object | null) | null,
  ) {
    super(device, start);
    this.queue = backlog(start);
  }

  override emit(now: number): Emission | null {
    const next = this.queue.shift();
    if (next) {
      this.nextAt = now;
      return { payload: next };
    }
    return super.emit(now);
  }

  protected reading(now: number) {
    return this.live?.(now, this.nextSeq() + 10_000) ?? null;
  }
}
