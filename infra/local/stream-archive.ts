import type { Log } from '#shared/app/ports/observability';
import type { DeviceKind } from '#shared/domain/device-kinds';
import { archiveLine } from '#shared/events/telemetry-archive';
import type { FileArchive } from './file-archive.ts';
import type { LocalStream, StreamRecord } from './local-stream.ts';

/**
 * The local twin of the Firehose stream that archives a Kinesis stream: a consumer of its
 * own (so archiving and processing never wait for each other) that buffers records for
 * `bufferMs` and appends them, untransformed and newline-delimited, to the archive files;
 * it checkpoints a shard only once the lines are on disk, and retries a failed write.
 */
export class StreamArchive {
  private buffer: StreamRecord[] = [];
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly stream: LocalStream,
    private readonly consumer: string,
    private readonly options: { kind: DeviceKind; archive: FileArchive; bufferMs: number; log: Log },
  ) {}

  start(): void {
    if (this.timer) return;
    this.stream.subscribe(this.consumer, (record) => this.buffer.push(record));
    this.timer = setInterval(() => void this.deliver(), this.options.bufferMs);
  }

  /** Whether everything handed over is on disk. */
  get idle(): boolean {
    return this.buffer.length === 0 && this.stream.behind(this.consumer) === 0;
  }

  /** Stops, writing what is buffered first. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.deliver();
  }

  private deliver(): Promise<void> {
    this.writing = this.writing.then(async () => {
      const records = this.buffer;
      if (records.length === 0) return;
      this.buffer = [];
      try {
        await this.options.archive.write(
          this.options.kind,
          records.map((r) => ({ at: r.arrivedAt, text: archiveLine(Buffer.from(r.data, 'base64').toString('utf8')) })),
        );
      } catch (error) {
        this.buffer = [...records, ...this.buffer];
        this.options.log.warn('archive write failed; it will be tried again', {
          stream: this.stream.name,
          error: (error as Error).message,
        });
        return;
      }
      const last = new Map<number, number>();
      for (const r of records) last.set(r.shard, Math.max(last.get(r.shard) ?? 0, r.sequence));
      for (const [shard, sequence] of last) this.stream.checkpoint(this.consumer, shard, sequence);
    });
    return this.writing;
  }
}
