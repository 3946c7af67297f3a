import type { Log, Metrics } from '#shared/app/ports/observability';
import type { CityModel } from '#shared/domain/city-model';
import type { Clock } from '#shared/domain/clock';
import type { CaseEvent } from '#shared/events/case-events';
import type { HotlineEvent } from '#shared/events/hotline-events';
import type { ReportEvent } from '#shared/events/report-events';
import type { BrokerEvents } from './broker.ts';
import type { DiscardedBatch, StreamEventSourceOptions } from './stream-event-source.ts';

export interface StackObserver {
  log: Log;
  metrics: Metrics;
  broker?: BrokerEvents;
  /** A batch an event source gave up on (kept whole in the data folder's discarded file). */
  discarded?(batch: DiscardedBatch): void;
  batch?: StreamEventSourceOptions['onBatch'];
  /** Each case event, once it is in the events file. */
  caseEvent?(event: CaseEvent): void;
  /** Each report publication, once it is in the events file. */
  reportPublished?(event: ReportEvent): void;
  /** Each answer to the 12345 hotline, once it is in the events file. */
  hotline?(event: HotlineEvent): void;
  schedule?(info: { schedule: string; result?: unknown; error?: unknown }): void;
}

export const quietObserver = (): StackObserver => ({
  log: { info() {}, warn() {}, error() {} },
  metrics: { count() {}, flush() {} },
});

/** What every piece of the twin may take, besides its own settings and the pieces it uses. */
export interface Twin {
  clock: Clock;
  log: Log;
  metrics: Metrics;
  observer: StackObserver;
  /** The data folder, where what is kept survives a restart; omitted: in memory. */
  dataDir?: string;
  /** Where the twin keeps its files: the data folder, or a temporary one in memory. */
  folder: string;
  /** The registry loaded at start. */
  model?: CityModel;
  /** The ops API's address, known once it listens (presigned URLs and the sign-in tokens' issuer name it). */
  apiUrl(): string;
}

/** How a piece of the twin is doing, as `GET /health` reports it: up or not, with what it tells. */
export interface PartStatus {
  up: boolean;
  [detail: string]: unknown;
}

/**
 * A piece of the twin: the stand-in of one AWS construct (docs/architecture.md, "The
 * twin's pieces"), started from the topology, probed and stopped on its own.
 */
export interface Piece {
  health(): PartStatus | Promise<PartStatus>;
  stop(): Promise<void>;
}

const STARTING: PartStatus = { up: false, error: 'starting' };

/**
 * The twin's pieces, by their names in `GET /health`, in the order they started: stopped in
 * reverse (what takes messages stops before what keeps them), and each reported by
 * `health()`; a piece named but not started yet is reported as starting.
 */
export class Pieces {
  private readonly started = new Map<string, Piece>();

  constructor(private readonly names: readonly string[]) {}

  /** Takes a piece that has started, under its name. */
  add<P extends Piece>(name: string, piece: P): P {
    if (!this.names.includes(name)) throw new Error(`the twin has no piece "${name}"`);
    this.started.set(name, piece);
    return piece;
  }

  /** Each piece's status; 503 when one is down. */
  readonly health = async (): Promise<{ status: number; body: unknown }> => {
    const parts: Record<string, PartStatus> = Object.fromEntries(
      await Promise.all(
        this.names.map(async (name) => [name, (await this.started.get(name)?.health()) ?? STARTING] as const),
      ),
    );
    const up = Object.values(parts).every((p) => p.up);
    return { status: up ? 200 : 503, body: { status: up ? 'ok' : 'degraded', parts } };
  };

  /** Stops every started piece, the last started first; one that fails to stop does not keep the others running. */
  async stop(): Promise<void> {
    const pieces = [...this.started.values()].reverse();
    this.started.clear();
    for (const piece of pieces) await piece.stop().catch(() => {});
  }
}
