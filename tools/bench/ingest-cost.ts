/**
 * AWS cost per million garbage-room messages, like for like: both designs take the
 * messages through Basic Ingest (no messaging charge), keep every message in the S3
 * archive through Firehose, and pay for what they were measured to do. AWS list prices
 * (USD, us-east-1, 2025–2026), below.
 */
export const PRICES = {
  ruleTriggered: 0.15,
  actionExecuted: 0.15,
  lambdaRequest: 0.2,
  gbSecondArm: 0.0000133334,
  wru: 0.625,
  rru: 0.125,
  firehosePerGb: 0.029,
  kinesisOnDemandStreamHour: 0.04,
  kinesisOnDemandWrittenGb: 0.08,
  kinesisOnDemandReadGb: 0.04,
  kinesisShardHour: 0.015,
  kinesisPutUnit: 0.014,
} as const;

const M = 1_000_000;
const GB = 2 ** 30;
/** Firehose bills each record rounded up to 5 KB. */
const firehoseGb = (recordBytes: number) => (M * Math.ceil(recordBytes / 5120) * 5120) / GB;

export type CostLines = Record<string, number>;

export interface OurRun {
  /** A stream record's size (the envelope the rule builds). */
  recordBytes: number;
  messagesPerBatch: number;
  /** Handler time per batch, ms (Lambda bills it). */
  batchMs: number;
  memoryMb: number;
  writeUnitsPerMessage: number;
  readUnitsPerMessage: number;
  /** The stream's message rate in the city, for the hourly charges (a stream costs by the hour whatever it carries). */
  messagesPerSecond: number;
  /** On demand (the default), or provisioned shards. */
  shards?: number;
}

/** Basic Ingest → rule → Kinesis (partition key = thing) → Lambda batches → DynamoDB; Firehose reads the stream into S3. */
export function ourCost(run: OurRun): CostLines {
  const hours = M / run.messagesPerSecond / 3600;
  const recordKb = Math.ceil(run.recordBytes / 1024);
  // Two consumers read every record: the ingest function and the archive's Firehose stream.
  const readGb = (2 * M * run.recordBytes) / GB;
  const stream = run.shards
    ? run.shards * hours * PRICES.kinesisShardHour + Math.ceil(run.recordBytes / 25_600) * PRICES.kinesisPutUnit
    : hours * PRICES.kinesisOnDemandStreamHour +
      ((M * recordKb * 1024) / GB) * PRICES.kinesisOnDemandWrittenGb +
      readGb * PRICES.kinesisOnDemandReadGb;
  return {
    'rule + action': PRICES.ruleTriggered + PRICES.actionExecuted,
    stream,
    'archive (Firehose)': firehoseGb(run.recordBytes) * PRICES.firehosePerGb,
    'Lambda requests': (M / run.messagesPerBatch) * (PRICES.lambdaRequest / M),
    'Lambda GB-s': (M / run.messagesPerBatch) * (run.batchMs / 1000) * (run.memoryMb / 1024) * PRICES.gbSecondArm,
    'DynamoDB writes': run.writeUnitsPerMessage * PRICES.wru,
    'DynamoDB reads': run.readUnitsPerMessage * PRICES.rru,
  };
}

export interface ReferenceRun {
  recordBytes: number;
  /** Handler time per message, ms (billed per ms, at least 1). */
  invocationMs: number;
  memoryMb: number;
  writeUnitsPerMessage: number;
  readUnitsPerMessage: number;
}

/** Basic Ingest → rule with two actions: Lambda per message (one read, one write) and Firehose into the same archive. */
export function referenceCost(run: ReferenceRun): CostLines {
  return {
    'rule + action': PRICES.ruleTriggered + 2 * PRICES.actionExecuted,
    stream: 0,
    'archive (Firehose)': firehoseGb(run.recordBytes) * PRICES.firehosePerGb,
    'Lambda requests': PRICES.lambdaRequest,
    'Lambda GB-s': M * (Math.max(1, Math.ceil(run.invocationMs)) / 1000) * (run.memoryMb / 1024) * PRICES.gbSecondArm,
    'DynamoDB writes': run.writeUnitsPerMessage * PRICES.wru,
    'DynamoDB reads': run.readUnitsPerMessage * PRICES.rru,
  };
}

export const total = (lines: CostLines): number => Object.values(lines).reduce((a, b) => a + b, 0);
