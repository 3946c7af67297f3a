import { join } from 'node:path';
import { telemetryRuleName } from '#shared/domain/iot-names';
import { topicMatches } from '#shared/domain/topics';
import { encodeEnvelope } from '#shared/events/telemetry-envelope';
import { shardCount, type TelemetryFlow } from '#infra/topology';
import type { AcceptedPublish } from './broker.ts';
import { keepDiscarded, redriveDiscarded, type RedriveOutcome } from './discarded-batches.ts';
import type { LocalBuckets } from './buckets.ts';
import type { LocalFunctions } from './cityops-functions.ts';
import { LocalStream } from './local-stream.ts';
import type { Piece, Twin } from './pieces.ts';
import { StreamArchive } from './stream-archive.ts';
import { StreamEventSource, type DiscardedBatch, type StreamEventSourceOptions } from './stream-event-source.ts';

export interface LocalTelemetryFlows extends Piece {
  /**
   * The topic rules: puts an accepted publish on every flow's stream it matches; resolves once
   * each has kept it (then the broker acknowledges).
   */
  applyTopicRules(publish: AcceptedPublish): Promise<void>;
  streams: Map<string, LocalStream>;
  /** Batches the event sources gave up on, this run. */
  discarded: DiscardedBatch[];
  /** Records the ingest functions have not finished. */
  backlog(): number;
  /** Resolves once every stream's records are processed and archived and no batch is running. */
  drained(timeoutMs?: number): Promise<void>;
}

export interface TelemetryFlowSettings {
  /** Overrides of the topology's event-source settings, for tests. */
  batchWindowMs?: number;
  maxRetryAttempts?: number;
  maxRecordAgeMs?: number;
  /** How often the archive consumer writes what it buffered (default 1 s). */
  archiveBufferMs?: number;
  /**
   * How much faster than real time the clock runs: the batch windows shrink by it, so a
   * queue holds messages as long in clock time as it would at speed 1.
   */
  timeScale?: number;
  /** Put the data folder's discarded batches back on their streams before taking messages (`npm start -- --redrive`). */
  redrive?: boolean;
  /** Told how many records went back, by stream. */
  onRedrive?(outcome: RedriveOutcome): void;
}

/**
 * The telemetry flows of the topology: each flow's topic rule (`TelemetryRules`) puts what
 * it matches on its Kinesis stream (`Stream` of the stateful stack; journaled in
 * `<dataDir>/streams` with a data folder, so what the broker acknowledged survives a
 * crash), read by its ingest function through its event source mapping
 * (`KinesisEventSource`: a batch it gives up on is kept whole in the data folder's
 * discarded file) and by its Firehose stream into the archive (`TelemetryArchive`).
 * Stopped, the event sources finish their batches and the archive writes what it holds
 * before the streams close. Health: up, with the backlog.
 */
export async function startTelemetryFlows(
  flows: readonly TelemetryFlow[],
  options: TelemetryFlowSettings &
    Pick<Twin, 'dataDir' | 'log' | 'observer'> & { functions: LocalFunctions; buckets: LocalBuckets },
): Promise<LocalTelemetryFlows> {
  const { dataDir, log, observer } = options;
  if (options.redrive && !dataDir)
    throw new Error('redrive needs a data folder: in memory there are no discarded batches to put back');
  const discarded: DiscardedBatch[] = [];
  const discard = (batch: DiscardedBatch) => {
    if (dataDir) keepDiscarded(dataDir, batch);
    discarded.push(batch);
    observer.discarded?.(batch);
  };
  const windowMs = (seconds: number) => options.batchWindowMs ?? (seconds * 1000) / (options.timeScale ?? 1);
  const streams = new Map<string, LocalStream>();
  const sources: StreamEventSource[] = [];
  const archivers: StreamArchive[] = [];
  for (const flow of flows) {
    const stream = new LocalStream(flow.stream, {
      shards: shardCount(flow),
      consumers: [flow.function, flow.archive],
      retentionMs: flow.retentionHours * 3_600_000,
      journalPath: dataDir && join(dataDir, 'streams', `${flow.stream}.jsonl`),
      warn: (message) => log.warn(message),
    });
    streams.set(flow.stream, stream);
    sources.push(
      new StreamEventSource(stream, flow.function, {
        functionName: flow.function,
        batchSize: flow.batchSize,
        batchWindowMs: windowMs(flow.batchWindowSeconds),
        parallelizationFactor: flow.parallelizationFactor,
        bisectOnError: flow.bisectOnError,
        maxRetryAttempts: options.maxRetryAttempts ?? flow.maxRetryAttempts,
        maxRecordAgeMs: options.maxRecordAgeMs ?? flow.maxRecordAgeSeconds * 1000,
        invoke: options.functions.handlers[flow.function] as StreamEventSourceOptions['invoke'],
        discard,
        onBatch: observer.batch,
      }),
    );
    archivers.push(
      new StreamArchive(stream, flow.archive, {
        kind: flow.kind,
        archive: options.buckets.archive,
        bufferMs: options.archiveBufferMs ?? 1000,
        log,
      }),
    );
  }
  const stop = async () => {
    await Promise.all(sources.map((s) => s.stop()));
    await Promise.all(archivers.map((a) => a.stop()));
    for (const stream of streams.values()) stream.close();
  };
  try {
    if (options.redrive) options.onRedrive?.(await redriveDiscarded(dataDir!, streams, log));
  } catch (error) {
    await stop();
    throw error;
  }
  for (const source of sources) source.start();
  for (const archiver of archivers) archiver.start();

  const ruleNames = new Map(flows.map((flow) => [flow, telemetryRuleName(flow.kind)]));
  const backlog = () => sources.reduce((n, s) => n + s.backlog, 0);
  return {
    async applyTopicRules(publish) {
      // A Basic Ingest publish goes to the one rule it names; any other to every rule whose filter matches.
      const matched = publish.rule
        ? flows.filter((f) => ruleNames.get(f) === publish.rule)
        : flows.filter((f) => topicMatches(f.topicFilter, publish.topic));
      if (matched.length === 0) log.warn('publish matched no telemetry flow', { topic: publish.topic });
      // The broker sends the PUBACK once this resolves: once every matched stream has kept the message (partition key: the thing).
      const data = Buffer.from(encodeEnvelope(publish)).toString('base64');
      await Promise.all(matched.map((f) => streams.get(f.stream)!.put(publish.clientId, data)));
    },
    streams,
    discarded,
    backlog,
    async drained(timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (!sources.every((s) => s.idle) || !archivers.every((a) => a.idle)) {
        if (Date.now() > deadline) throw new Error('streams did not drain in time');
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    health: () => ({ up: true, backlog: backlog() }),
    stop,
  };
}
