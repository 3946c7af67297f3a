import { isDeepStrictEqual } from 'node:util';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import type { StoreGrants } from './grants.ts';
import {
  DeleteCommand,
  GetCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import type {
  DeviceDetection,
  DeviceState,
  LatestOutcome,
  SignalOutbox,
  SilentDevice,
  StateSnapshot,
  StateWriteOptions,
  TelemetryStore,
  WriteOutcome,
} from '#shared/app/ports/telemetry';
import { signalId, type Signal } from '#shared/domain/case/model';
import type { Device } from '#shared/domain/city-model';
import { SILENCE, silenceKeys, type SilenceKeys } from '#shared/domain/detectors/offline-detector';
import type { DeviceKind } from '#shared/domain/device-kinds';
import {
  compareReadings,
  isFromFuture,
  latestStateFields,
  type DeviceBatch,
  type Reading,
  type StateFields,
} from '#shared/domain/telemetry';
import { batchPut, type BatchWriteOptions } from './batch-write.ts';
import { ConditionalWriter } from './conditional-writes.ts';
import { classify } from './errors.ts';
import { ABSENT, ItemCache, itemCacheKey } from './item-cache.ts';
import { modifyItem } from './modify-item.ts';
import { batchGetAll, queryAll } from './query.ts';

/** Key layout of the telemetry table. */
export const telemetryKeys = {
  device: (thing: string) => `device#${thing}`,
  state: 'state',
  siteDetector: (siteId: string, kind: DeviceKind) => ({ pk: `site#${siteId}`, sk: `detector#${kind}` }),
  /** Where an earlier version kept the offline check's conclusion (read once by `indexSilence`). */
  formerOfflineFlag: 'offline',
  /** Fixed-width, so history sorts by reading time then sequence. */
  reading: (ts: number, seq: number) => `reading#${String(ts).padStart(15, '0')}#${String(seq).padStart(16, '0')}`,
};

export interface TelemetryStoreOptions extends BatchWriteOptions {
  /** How long reading history is kept (DynamoDB TTL). */
  historyDays?: number;
  /** Detector items kept in memory to skip the read of a read-modify-write (default 10,000). */
  cachedItems?: number;
}

/** What each method sends (see `grants.ts`): a read-modify-write reads, then inserts or updates by PartiQL. */
export const TELEMETRY_GRANTS: StoreGrants<DynamoTelemetryStore> = {
  saveLatest: ['UpdateItem', 'GetItem'],
  saveLatestDetecting: ['GetItem', 'PartiQLInsert', 'PartiQLUpdate'],
  readStates: ['BatchGetItem'],
  silentDevices: ['Query', 'BatchGetItem'],
  markOffline: ['UpdateItem'],
  indexSilence: ['BatchGetItem', 'UpdateItem', 'DeleteItem'],
  updateSiteDetector: ['GetItem', 'PartiQLInsert', 'PartiQLUpdate'],
  ackSignals: ['GetItem', 'PartiQLInsert', 'PartiQLUpdate'],
  saveHistory: ['BatchWriteItem'],
  getLatest: ['GetItem'],
  getLatestMany: ['BatchGetItem'],
  neighbours: ['Query'],
  anyReading: ['Query'],
  history: ['Query'],
};

export class DynamoTelemetryStore implements TelemetryStore {
  private readonly historyDays: number;

  /** Detector items this store last read or wrote: the next batch of the device skips its read. */
  private readonly cache: ItemCache;

  /** Whole-item conditional writes of read-modify-writes, 25 to a request. */
  private readonly writer: ConditionalWriter;

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly options: TelemetryStoreOptions = {},
  ) {
    this.historyDays = options.historyDays ?? 30;
    this.cache = new ItemCache(options.cachedItems ?? 10_000);
    this.writer = new ConditionalWriter(doc, table);
  }

  async saveLatest(
    batch: DeviceBatch,
    fields: StateFields,
    lastSeenAt: number,
    silence: SilenceKeys | undefined,
    options: { reportingAgain?: boolean } = {},
  ): Promise<LatestOutcome> {
    const latest = batch.latest;
    const values: Record<string, unknown> = {
      ...fields,
      thing: batch.thing,
      kind: batch.kind,
      ts: latest.ts,
      seq: latest.seq,
      lastSeenAt,
      // A reading from the future is stored but leaves the watermark, so it never makes a later one stale.
      ...(isFromFuture(latest) ? {} : { wts: latest.ts, wseq: latest.seq }),
      ...(silence ? { silenceShard: silence.shard, silenceDue: silence.due } : {}),
    };
    const names: Record<string, string> = {};
    const exprValues: Record<string, unknown> = {};
    const sets = Object.entries(values).map(([field, value], i) => {
      names[`#f${i}`] = field;
      exprValues[`:v${i}`] = value;
      return `#f${i} = :v${i}`;
    });
    names['#wts'] = 'wts';
    names['#wseq'] = 'wseq';
    names['#off'] = 'offlineSince';
    // A stale, replayed or duplicate reading never overwrites a newer one.
    const inOrder = '(attribute_not_exists(#wts) OR #wts < :ts OR (#wts = :ts AND #wseq < :seq))';
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: telemetryKeys.device(batch.thing), sk: telemetryKeys.state },
          UpdateExpression: `SET ${sets.join(', ')}${options.reportingAgain ? ' REMOVE #off' : ''}`,
          ConditionExpression: options.reportingAgain ? inOrder : `${inOrder} AND attribute_not_exists(#off)`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: { ...exprValues, ':ts': latest.ts, ':seq': latest.seq },
        }),
      );
      return { outcome: 'written' };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) return classify(error, `state of ${batch.thing}`);
    }
    if (options.reportingAgain) return { outcome: 'stale' };
    // Out of order, or marked offline: the stored item says which.
    const stored = await this.getStateItem(batch.thing);
    const mark = stored && watermarkOf(stored as StoredState<unknown>);
    const inOrderNow = !mark || compareReadings(latest, mark) > 0;
    return inOrderNow && typeof stored?.offlineSince === 'number'
      ? { outcome: 'offline', offlineSince: stored.offlineSince }
      : { outcome: 'stale' };
  }

  private async getStateItem(thing: string): Promise<Record<string, unknown> | undefined> {
    try {
      const { Item } = await this.doc.send(
        new GetCommand({
          TableName: this.table,
          Key: { pk: telemetryKeys.device(thing), sk: telemetryKeys.state },
          ConsistentRead: true,
        }),
      );
      return Item;
    } catch (error) {
      return classify(error, `state of ${thing}`);
    }
  }

  async saveLatestDetecting<S>(
    batch: DeviceBatch,
    lastSeenAt: number,
    detect: DeviceDetection<S>,
    options: StateWriteOptions,
  ) {
    const outbox = { pk: telemetryKeys.device(batch.thing), sk: telemetryKeys.state };
    type Result = { outcome: 'written' | 'unchanged' | 'stale'; pending: Signal[]; outbox: SignalOutbox };
    // What this invocation read ahead, never what an earlier one left in memory: a skipped write
    // is decided on the stored state alone. The conditional write catches anyone writing since.
    const snapshot = new ItemCache(1);
    const cacheKey = itemCacheKey(this.table, outbox);
    const ahead = options.snapshot?.get(batch.thing);
    if (ahead !== undefined) snapshot.set(cacheKey, ahead ?? ABSENT);
    const result = await modifyItem<Result>(this.doc, this.table, outbox, snapshot, this.writer, (current) => {
      const prior = current as StoredState<S> | undefined;
      const pending = prior?.pendingSignals ?? [];
      const mark = prior && watermarkOf(prior);
      const newer = mark ? batch.readings.filter((r) => compareReadings(r, mark) > 0) : batch.readings;
      if (newer.length === 0) return { result: { outcome: 'stale', pending, outbox } };
      const seen = Math.max(prior?.lastSeenAt ?? 0, lastSeenAt);
      const silence = options.silence(seen);
      const offlineSince = prior?.offlineSince;
      // The item is written anyway when it is new, marked offline, or its silence due time moved.
      const writing =
        !prior ||
        offlineSince !== undefined ||
        prior.silenceDue !== silence.due ||
        prior.silenceShard !== silence.shard;
      const { state, signals } = detect(prior?.detector, newer, { offlineSince, writing });
      const all = [...pending, ...withIds(signals)];
      // Compared as values, not as text: DynamoDB does not keep a map's attribute order.
      const due = writing || signals.length > 0 || !isDeepStrictEqual(state, prior.detector);
      if (!due) return { result: { outcome: 'unchanged', pending: all, outbox } };
      const latest = newer.at(-1)!;
      const present = newer.filter((r) => !isFromFuture(r)).at(-1);
      const nextMark = present && (!mark || compareReadings(present, mark) > 0) ? present : mark;
      const item: Record<string, unknown> = {
        ...(current ?? {}),
        ...latestStateFields({ ...batch, readings: newer }),
        thing: batch.thing,
        kind: batch.kind,
        ts: latest.ts,
        seq: latest.seq,
        ...(nextMark ? { wts: nextMark.ts, wseq: nextMark.seq } : {}),
        lastSeenAt: seen,
        silenceShard: silence.shard,
        silenceDue: silence.due,
        detector: state,
        pendingSignals: all,
      };
      delete item.offlineSince;
      return { item, result: { outcome: 'written', pending: all, outbox } };
    });
    // The copy just written (or read) serves acknowledging its signals; that write is conditional too.
    const fresh = snapshot.get(cacheKey);
    if (fresh && fresh !== ABSENT) this.cache.set(cacheKey, fresh);
    return result;
  }

  /**
   * Reads, strongly consistent and a hundred to a request, the state items of a batch's
   * devices: what `saveLatestDetecting` starts from (a device with no state is `null`: its
   * first write needs no read, being conditional on the item's absence).
   */
  async readStates(things: string[]): Promise<StateSnapshot> {
    const unique = [...new Set(things)];
    const found = new Map(
      (
        await batchGetAll(
          this.doc,
          this.table,
          unique.map((thing) => ({ pk: telemetryKeys.device(thing), sk: telemetryKeys.state })),
          { consistentRead: true, attempts: 5 },
        )
      ).map((item) => [item.thing as string, item]),
    );
    return new Map(unique.map((thing) => [thing, found.get(thing) ?? null]));
  }

  async updateSiteDetector<S>(
    siteId: string,
    kind: DeviceKind,
    detect: (prior: S | undefined) => { state: S; signals: Signal[] },
  ) {
    const outbox = telemetryKeys.siteDetector(siteId, kind);
    return modifyItem(this.doc, this.table, outbox, this.cache, this.writer, (current) => {
      const { state, signals } = detect(current?.detector as S | undefined);
      const pending = [...((current?.pendingSignals as Signal[] | undefined) ?? []), ...withIds(signals)];
      return { item: { siteId, kind, detector: state, pendingSignals: pending }, result: { pending, outbox } };
    });
  }

  async ackSignals(outbox: SignalOutbox, signalIds: string[]): Promise<void> {
    if (signalIds.length === 0) return;
    const done = new Set(signalIds);
    await modifyItem(this.doc, this.table, outbox, this.cache, this.writer, (current) => {
      const pending = (current?.pendingSignals as Signal[] | undefined) ?? [];
      const left = pending.filter((s) => !done.has(s.evidence.signalId ?? ''));
      return current && left.length !== pending.length
        ? { item: { ...current, pendingSignals: left }, result: undefined }
        : { result: undefined };
    });
  }

  async silentDevices(now: number): Promise<SilentDevice[]> {
    const shards = Array.from({ length: SILENCE.shards }, (_, i) => `s${i}`);
    const keys = (
      await Promise.all(
        shards.map((shard) =>
          queryAll(this.doc, {
            TableName: this.table,
            IndexName: 'bySilence',
            KeyConditionExpression: 'silenceShard = :shard AND silenceDue <= :now',
            ExpressionAttributeValues: { ':shard': shard, ':now': now },
          }),
        ),
      )
    ).flat();
    if (keys.length === 0) return [];
    // The index trails the table: confirm each from its state item, read consistently.
    const items = await batchGetAll(
      this.doc,
      this.table,
      keys.map(({ pk, sk }) => ({ pk, sk })),
      { consistentRead: true, attempts: 5 },
    );
    return items
      .filter(
        (item) => typeof item.silenceDue === 'number' && item.silenceDue <= now && item.offlineSince === undefined,
      )
      .map((item) => ({
        thing: item.thing as string,
        lastSeenAt: item.lastSeenAt as number,
        due: item.silenceDue as number,
      }));
  }

  async markOffline(devices: SilentDevice[], at: number): Promise<string[]> {
    const reported: string[] = [];
    for (let i = 0; i < devices.length; i += 25) {
      await Promise.all(
        devices.slice(i, i + 25).map(async ({ thing, due }) => {
          try {
            await this.doc.send(
              new UpdateCommand({
                TableName: this.table,
                Key: { pk: telemetryKeys.device(thing), sk: telemetryKeys.state },
                // The version moves too, so a read-modify-write that read before this starts over.
                UpdateExpression: 'SET offlineSince = :at, v = if_not_exists(v, :zero) + :one REMOVE silenceDue',
                ConditionExpression: 'silenceDue = :due',
                ExpressionAttributeValues: { ':at': at, ':due': due, ':zero': 0, ':one': 1 },
              }),
            );
          } catch (error) {
            if (error instanceof ConditionalCheckFailedException) reported.push(thing);
            else classify(error, `offline mark of ${thing}`);
          }
        }),
      );
    }
    return reported;
  }

  /**
   * Puts devices with a stored state but no silence due time (state written before the
   * offline check had its index) into the index, and carries over the offline flags of
   * that time: a migration, run by the local stack's start and by `npm run migrate`.
   * Idempotent; reads the given devices once.
   */
  async indexSilence(
    devices: Pick<Device, 'thing' | 'kind' | 'expectedIntervalSeconds'>[],
  ): Promise<{ indexed: number; offline: number }> {
    const stateKey = (thing: string) => ({ pk: telemetryKeys.device(thing), sk: telemetryKeys.state });
    const flagKey = (thing: string) => ({ pk: telemetryKeys.device(thing), sk: telemetryKeys.formerOfflineFlag });
    const [states, flags] = await Promise.all([
      batchGetAll(
        this.doc,
        this.table,
        devices.map((d) => stateKey(d.thing)),
        { consistentRead: true },
      ),
      batchGetAll(
        this.doc,
        this.table,
        devices.map((d) => flagKey(d.thing)),
      ),
    ]);
    const stateOf = new Map(states.map((item) => [item.thing as string, item]));
    const flagOf = new Map(flags.map((item) => [item.thing as string, item]));
    let indexed = 0;
    let offline = 0;
    for (const device of devices) {
      const state = stateOf.get(device.thing);
      const flag = flagOf.get(device.thing);
      if (
        state &&
        typeof state.lastSeenAt === 'number' &&
        state.silenceDue === undefined &&
        state.offlineSince === undefined
      ) {
        const wasOffline = flag?.offline === true;
        const keys = silenceKeys(device, state.lastSeenAt);
        try {
          await this.doc.send(
            new UpdateCommand({
              TableName: this.table,
              Key: stateKey(device.thing),
              UpdateExpression: wasOffline
                ? 'SET offlineSince = :since, v = if_not_exists(v, :zero) + :one'
                : 'SET silenceShard = :shard, silenceDue = :due, v = if_not_exists(v, :zero) + :one',
              ConditionExpression: 'attribute_not_exists(silenceDue) AND attribute_not_exists(offlineSince)',
              ExpressionAttributeValues: {
                ':zero': 0,
                ':one': 1,
                ...(wasOffline
                  ? { ':since': flag?.since ?? state.lastSeenAt }
                  : { ':shard': keys.shard, ':due': keys.due }),
              },
            }),
          );
          if (wasOffline) offline++;
          else indexed++;
        } catch (error) {
          // Written meanwhile by ingest: indexed already.
          if (!(error instanceof ConditionalCheckFailedException)) throw error;
        }
      }
      if (flag) await this.doc.send(new DeleteCommand({ TableName: this.table, Key: flagKey(device.thing) }));
    }
    return { indexed, offline };
  }

  saveHistory(readings: Reading[]): Promise<WriteOutcome> {
    const expiryFloor = this.historyDays * 86_400;
    return batchPut(
      this.doc,
      this.table,
      readings.map((r) => ({
        messageId: r.messageId,
        item: {
          pk: telemetryKeys.device(r.thing),
          sk: telemetryKeys.reading(r.ts, r.seq),
          messageId: r.messageId,
          thing: r.thing,
          kind: r.kind,
          ts: r.ts,
          seq: r.seq,
          receivedAt: r.receivedAt,
          payload: r.payload,
          expiresAt: Math.floor(r.ts / 1000) + expiryFloor,
        },
      })),
      this.options,
    );
  }

  async getLatest(thing: string): Promise<DeviceState | undefined> {
    const { Item } = await this.doc.send(
      new GetCommand({ TableName: this.table, Key: { pk: telemetryKeys.device(thing), sk: telemetryKeys.state } }),
    );
    return Item ? withoutKeys(Item) : undefined;
  }

  async getLatestMany(things: string[]): Promise<Map<string, DeviceState>> {
    const items = await batchGetAll(
      this.doc,
      this.table,
      things.map((thing) => ({ pk: telemetryKeys.device(thing), sk: telemetryKeys.state })),
    );
    return new Map(items.map((item) => [item.thing as string, withoutKeys(item)]));
  }

  /**
   * The stored readings just before `first` and just after `last` (by reading order), so a
   * batch can be joined to its neighbours whichever order batches arrive in.
   */
  async neighbours(
    thing: string,
    first: { ts: number; seq: number },
    last: { ts: number; seq: number },
  ): Promise<{ before?: Reading; after?: Reading }> {
    // Under a device's key, `reading#…` < `state` (and an earlier version's `offline` before both): the nearest item
    // either way is a reading or neither.
    const nearest = async (condition: 'sk < :k' | 'sk > :k', key: string) => {
      const { Items } = await this.doc.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: `pk = :pk AND ${condition}`,
          ExpressionAttributeValues: { ':pk': telemetryKeys.device(thing), ':k': key },
          ScanIndexForward: condition === 'sk > :k',
          Limit: 1,
        }),
      );
      const item = Items?.[0];
      return typeof item?.sk === 'string' && item.sk.startsWith('reading#') ? (item as unknown as Reading) : undefined;
    };
    const [before, after] = await Promise.all([
      nearest('sk < :k', telemetryKeys.reading(first.ts, first.seq)),
      nearest('sk > :k', telemetryKeys.reading(last.ts, last.seq)),
    ]);
    return { before, after };
  }

  /** Whether the device sent any reading timed between `from` and `to`. */
  async anyReading(thing: string, from: number, to: number): Promise<boolean> {
    const { Items } = await this.doc.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
        ExpressionAttributeValues: {
          ':pk': telemetryKeys.device(thing),
          ':from': telemetryKeys.reading(from, 0),
          ':to': telemetryKeys.reading(to, Number.MAX_SAFE_INTEGER),
        },
        Limit: 1,
        ProjectionExpression: 'pk',
      }),
    );
    return (Items?.length ?? 0) > 0;
  }

  /** Reading history of one device, oldest first, between two reading times. */
  async history(thing: string, from: number, to: number): Promise<Reading[]> {
    const items = await queryAll(this.doc, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
      ExpressionAttributeValues: {
        ':pk': telemetryKeys.device(thing),
        ':from': telemetryKeys.reading(from, 0),
        ':to': telemetryKeys.reading(to, Number.MAX_SAFE_INTEGER),
      },
    });
    return items.map(
      ({ messageId, kind, ts, seq, receivedAt, payload }) =>
        ({ messageId, kind, thing, ts, seq, receivedAt, payload }) as Reading,
    );
  }
}

/** A device's state item as stored. */
type StoredState<S> = {
  ts: number;
  seq: number;
  wts?: number;
  wseq?: number;
  lastSeenAt: number;
  silenceShard?: string;
  silenceDue?: number;
  offlineSince?: number;
  detector?: S;
  pendingSignals?: Signal[];
};

/** The newest reading stored that was not from the future, if any. */
const watermarkOf = (item: { wts?: number; wseq?: number }) =>
  item.wts === undefined ? undefined : { ts: item.wts, seq: item.wseq ?? 0 };

const withIds = (signals: Signal[]): Signal[] =>
  signals.map((s) => ({ ...s, evidence: { ...s.evidence, signalId: signalId(s) } }));

/** The state as the API shows it: without keys, lock version and detector internals. */
function withoutKeys(item: Record<string, unknown>): DeviceState {
  const {
    pk: _pk,
    sk: _sk,
    v: _v,
    wts: _wts,
    wseq: _wseq,
    detector: _d,
    pendingSignals: _p,
    mark: _m,
    nextMark: _n,
    silenceShard: _ss,
    silenceDue: _sd,
    ...rest
  } = item;
  return rest as DeviceState;
}
