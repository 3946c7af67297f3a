/**
 * The per-message reference design the ingest benchmark compares against: every message is
 * an invocation of its own (as a topic rule's Lambda action makes it), which validates
 * the message, reads the device's state (one consistent GetItem), runs the same garbage-room
 * detectors, and writes the state back (one PutItem). No ordering, batching, or skipping of
 * unchanged state. It is given the benefit of the doubt: its messages come straight from
 * memory (no broker, no MQTT), its writes are unconditional, and its signals are not handed
 * to the case service.
 */
import { CreateTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { GarbageRoomSensor } from '#devices/simulators/garbage-room-sensor';
import { documentClient } from '#shared/adapters/dynamodb/client';
import { decodeEnvelope, encodeEnvelope } from '#shared/events/telemetry-envelope';
import type { Device } from '#shared/domain/city-model';
import { detectGarbageRooms, type GarbageRoomDetectorState } from '#shared/domain/detectors/garbage-room-detector';
import type { GarbageRoomFillPayload } from '#shared/domain/payloads';
import { sampleHeartbeatMs } from '#shared/domain/state-writes';
import { latestStateFields, readTelemetry } from '#shared/domain/telemetry';
import { topicFor } from '#shared/domain/topics';

export interface ReferenceResult {
  messages: number;
  seconds: number;
  rate: number;
  /** Mean time of one invocation run alone, ms. */
  invocationMs: number;
}

/** Runs `messages` invocations, `concurrency` at a time, after `warmUp` that are not counted. */
export async function runReference(
  client: DynamoDBClient,
  options: {
    devices: Device[];
    siteOf: Map<string, string>;
    messages: number;
    warmUp: number;
    concurrency: number;
    table: string;
  },
): Promise<ReferenceResult> {
  const doc = documentClient(client);
  await client.send(
    new CreateTableCommand({
      TableName: options.table,
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
    }),
  );
  const total = options.warmUp + options.messages + 500;
  const first = Date.now() - Math.ceil((total / options.devices.length) * 1.1 + 2) * 5 * 60_000;
  const sensors = options.devices.map((d) => new GarbageRoomSensor(d, first));
  let n = 0;
  const nextBody = (): string => {
    const sensor = sensors[n++ % sensors.length]!;
    const payload = sensor.emit(sensor.nextAt)!.payload;
    const thing = sensor.device.thing;
    return encodeEnvelope({
      topic: topicFor('bins', thing),
      clientId: thing,
      receivedAt: Date.now(),
      payload: new TextEncoder().encode(JSON.stringify(payload)),
    });
  };

  /** One invocation: one message. */
  const invoke = async (body: string, id: string): Promise<void> => {
    const decoded = decodeEnvelope(id, body, Date.now());
    if (!decoded.ok) throw new Error(decoded.rejection.reason);
    const read = readTelemetry('bins', decoded.message, Date.now());
    if (!read.ok) throw new Error(read.rejection.reason);
    const r = read.reading;
    const key = { pk: `device#${r.thing}`, sk: 'state' };
    const { Item } = await doc.send(new GetCommand({ TableName: options.table, Key: key, ConsistentRead: true }));
    const device = options.devices.find((d) => d.thing === r.thing)!;
    const { state } = detectGarbageRooms(
      Item?.detector as GarbageRoomDetectorState | undefined,
      [{ ts: r.ts, seq: r.seq, payload: r.payload as GarbageRoomFillPayload }],
      {
        thing: r.thing,
        siteId: options.siteOf.get(r.thing)!,
        heartbeatMs: sampleHeartbeatMs(device.expectedIntervalSeconds),
      },
    );
    const batch = { thing: r.thing, kind: r.kind, readings: [r], duplicates: [], latest: r };
    await doc.send(
      new PutCommand({
        TableName: options.table,
        Item: {
          ...key,
          ...latestStateFields(batch),
          thing: r.thing,
          kind: r.kind,
          ts: r.ts,
          seq: r.seq,
          lastSeenAt: r.receivedAt,
          detector: state,
        },
      }),
    );
  };

  const run = async (
    count: number,
    concurrency = options.concurrency,
  ): Promise<{ seconds: number; busyMs: number }> => {
    const bodies = Array.from({ length: count }, nextBody);
    let next = 0;
    let busyMs = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < bodies.length) {
          const i = next++;
          const t0 = performance.now();
          await invoke(bodies[i]!, `ref-${i}`);
          busyMs += performance.now() - t0;
        }
      }),
    );
    return { seconds: (performance.now() - started) / 1000, busyMs };
  };
  await run(options.warmUp);
  const measured = await run(options.messages);
  // An invocation's own time, one at a time (under load it would mostly be waiting for DynamoDB Local).
  const solo = await run(500, 1);
  return {
    messages: options.messages,
    seconds: measured.seconds,
    rate: options.messages / measured.seconds,
    invocationMs: solo.busyMs / 500,
  };
}
