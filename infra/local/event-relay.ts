import { readFile } from 'node:fs/promises';
import { writeWhole } from '#shared/adapters/write-whole';
import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type Shard,
} from '@aws-sdk/client-dynamodb-streams';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { Log } from '#shared/app/ports/observability';
import { changeEventsFor } from '#shared/events/case-events';
import type { BusEvent } from '#shared/events/event-definition';
import type { EventSink } from '#shared/adapters/event-publisher/sinks';

type ShardMark = { seq?: string; closed?: boolean };
type Marks = Record<string, Record<string, Record<string, ShardMark>>>;

/** Stream positions per sink, per stream, per shard; in a file so a restart resumes where each sink left off. */
export class Checkpoints {
  private marks: Marks = {};
  private writing: Promise<void> = Promise.resolve();

  private constructor(private readonly path?: string) {}

  static async open(path?: string): Promise<Checkpoints> {
    const checkpoints = new Checkpoints(path);
    if (path) {
      try {
        checkpoints.marks = JSON.parse(await readFile(path, 'utf8')) as Marks;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
          throw new Error(`cannot read the event checkpoints ${path}: ${(error as Error).message}`);
      }
    }
    return checkpoints;
  }

  shards(sink: string, stream: string): Record<string, ShardMark> {
    return ((this.marks[sink] ??= {})[stream] ??= {});
  }

  /** Writes the marks (atomically, by rename); resolves once they are on disk. */
  save(): Promise<void> {
    if (!this.path) return Promise.resolve();
    const path = this.path;
    const text = JSON.stringify(this.marks);
    this.writing = this.writing.then(() => writeWhole(path, text));
    return this.writing;
  }
}

export interface EventRelayOptions {
  dynamo: DynamoDBClient;
  /** Same endpoint and credentials as `dynamo`. */
  streams: DynamoDBStreamsClient;
  table: string;
  sinks: EventSink[];
  checkpoints: Checkpoints;
  log: Log;
  pollMs?: number;
  maxBackoffMs?: number;
}

/**
 * The local stand-in for DynamoDB Streams → EventBridge Pipes → bus: reads the case
 * table's stream with the Streams API and hands each case change to every sink. Each sink
 * reads at its own pace with its own checkpoint, saved after each delivery, so a restart
 * or a receiver that is down loses nothing, and an acknowledged event is not sent again.
 */
export function startEventRelay(options: EventRelayOptions) {
  let running = true;
  const delivered = new Map<string, number>(options.sinks.map((s) => [s.id, 0]));
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  const describeShards = async (streamArn: string): Promise<Shard[]> => {
    const shards: Shard[] = [];
    let ExclusiveStartShardId: string | undefined;
    do {
      const { StreamDescription } = await options.streams.send(
        new DescribeStreamCommand({ StreamArn: streamArn, ExclusiveStartShardId }),
      );
      shards.push(...(StreamDescription?.Shards ?? []));
      ExclusiveStartShardId = StreamDescription?.LastEvaluatedShardId;
    } while (ExclusiveStartShardId);
    return shards;
  };

  const deliver = async (sink: EventSink, event: BusEvent) => {
    for (let attempt = 0; running; attempt++) {
      try {
        await sink.deliver(event);
        delivered.set(sink.id, (delivered.get(sink.id) ?? 0) + 1);
        return true;
      } catch (error) {
        const wait = Math.min(options.maxBackoffMs ?? 30_000, 250 * 2 ** attempt);
        if (attempt === 0 || attempt % 5 === 0)
          options.log.warn(`event delivery to ${sink.id} failed; retrying in ${wait} ms`, {
            error: (error as Error).message,
            eventId: event.detail.metadata.id,
          });
        await sleep(wait);
      }
    }
    return false;
  };

  /** One pass over the stream for one sink; returns whether it delivered anything. */
  const pass = async (sink: EventSink): Promise<boolean> => {
    const { Table } = await options.dynamo.send(new DescribeTableCommand({ TableName: options.table }));
    const streamArn = Table?.LatestStreamArn;
    if (!streamArn) throw new Error(`table ${options.table} has no stream`);
    const marks = options.checkpoints.shards(sink.id, streamArn);
    const shards = await describeShards(streamArn);
    const known = new Set(shards.map((s) => s.ShardId));
    let progressed = false;
    for (const shard of shards) {
      const id = shard.ShardId!;
      const mark = (marks[id] ??= {});
      if (mark.closed) continue;
      // Children after their parent: a parent still being read holds its children back.
      if (shard.ParentShardId && known.has(shard.ParentShardId) && !marks[shard.ParentShardId]?.closed) continue;
      let iterator = (
        await options.streams.send(
          new GetShardIteratorCommand({
            StreamArn: streamArn,
            ShardId: id,
            ShardIteratorType: mark.seq ? 'AFTER_SEQUENCE_NUMBER' : 'TRIM_HORIZON',
            SequenceNumber: mark.seq,
          }),
        )
      ).ShardIterator;
      while (iterator && running) {
        const page = await options.streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 100 }));
        for (const record of page.Records ?? []) {
          const images = record.dynamodb ?? {};
          const events = changeEventsFor({
            id: record.eventID ?? `${id}:${images.SequenceNumber}`,
            oldImage: images.OldImage && unmarshall(images.OldImage as Record<string, AttributeValue>),
            newImage: images.NewImage && unmarshall(images.NewImage as Record<string, AttributeValue>),
          });
          // A change's events in order; stopped part-way, the change is read again (the same ids).
          for (const event of events) if (!(await deliver(sink, event))) return progressed;
          mark.seq = images.SequenceNumber;
          await options.checkpoints.save();
          progressed = true;
        }
        if (!page.NextShardIterator) {
          mark.closed = true;
          await options.checkpoints.save();
        }
        if (!page.Records?.length) break;
        iterator = page.NextShardIterator;
      }
    }
    return progressed;
  };

  /** The last error reading the case stream, until a pass reads it again. */
  let failing: string | undefined;
  let lastWarnedAt = 0;
  const loops = options.sinks.map(async (sink) => {
    while (running) {
      let progressed = false;
      try {
        progressed = await pass(sink);
        failing = undefined;
      } catch (error) {
        failing = (error as Error).message;
        // One warning in ten seconds, not one each retry.
        if (running && Date.now() - lastWarnedAt > 10_000) {
          lastWarnedAt = Date.now();
          options.log.warn('reading the case stream failed; trying again', { sink: sink.id, error: failing });
        }
      }
      if (!progressed) await sleep(options.pollMs ?? 250);
    }
  });

  return {
    delivered,
    /** Whether the relay reads the case stream (it retries on its own when it cannot). */
    status: () => (failing ? { up: false, error: failing } : { up: true }),
    async stop() {
      running = false;
      await Promise.all(loops);
      await options.checkpoints.save();
    },
  };
}
