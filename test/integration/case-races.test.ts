import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadDistrictDir } from '#devices/district-files';
import { makeHandler as opsApi } from '#functions/ops-api/handler';
import { Checkpoints, startEventRelay } from '#infra/local/event-relay';
import { localStreamsClient } from '#shared/adapters/dynamodb/client';
import type { EventSink } from '#shared/adapters/event-publisher/sinks';
import { CaseService } from '#shared/app/case-service';
import type { CaseStore } from '#shared/app/ports/cases';
import { siteLocation } from '#shared/domain/city-model';
import type { Case } from '#shared/domain/case/model';
import type { CaseAction, CaseStatus } from '#shared/domain/case/statuses';
import type { User } from '#shared/domain/case/actors';
import type { BusEvent } from '#shared/events/event-definition';
import { newCaseId, wireDeps } from '#shared/runtime/wiring';
import { testTables } from '../support/dynamo.ts';
import { fixedClock, recordingLog, recordingMetrics } from '../support/fakes.ts';
import { testSignIn, USERS } from '../support/users.ts';
import { mediaWithPhoto } from '../support/images.ts';

/**
 * One winner per case change, through the ops API on DynamoDB Local: two people's actions
 * sent at once to one case, both decided on the same version of it, make one change. The
 * case store below holds each of the two reads until both are made, so the two really do
 * race for the same version (no timing involved): exactly one is answered 200, the other
 * 409 (in Chinese as well); the case moved one version, its history replays from its first
 * entry to its status, and the case stream carried one event per history entry.
 */
const NOW = Date.UTC(2026, 11, 2, 2, 0);
const LATER = NOW + 30 * 24 * 3_600_000;
const model = await loadDistrictDir();
const PHOTO = 'md-20261202-00000000000000bb';

let deps: ReturnType<typeof wireDeps>;
let api: ReturnType<typeof opsApi>;
let signIn: Awaited<ReturnType<typeof testSignIn>>;
let relay: ReturnType<typeof startEventRelay>;
const events: BusEvent<Case>[] = [];

/** The reads of a case: once armed for `n`, each read waits until `n` reads are made, then all go on. */
const gate = { size: 0, waiting: [] as (() => void)[] };
const meet = () =>
  new Promise<void>((resolve) => {
    gate.waiting.push(resolve);
    if (gate.waiting.length < gate.size) return;
    gate.size = 0;
    for (const go of gate.waiting.splice(0)) go();
  });
const gated = (store: CaseStore): CaseStore =>
  new Proxy(store, {
    get(target, name, receiver) {
      if (name !== 'get') return Reflect.get(target, name, receiver) as unknown;
      return async (caseId: string) => {
        const found = await target.get(caseId);
        if (gate.size) await meet();
        return found;
      };
    },
  });

beforeAll(async () => {
  const env = await testTables('races');
  const media = await mediaWithPhoto(PHOTO, NOW);
  const clock = fixedClock(NOW);
  const log = recordingLog();
  const metrics = recordingMetrics();
  deps = wireDeps({
    doc: env.doc,
    tables: env.tables,
    clock,
    log,
    metrics,
    identity: (signIn = await testSignIn()).identity,
    media,
  });
  await deps.registry.putModel(model);
  // The ops API's case service, on the gated store.
  const racing = new CaseService({
    cases: gated(deps.caseStore),
    registry: deps.registry,
    clock,
    newId: newCaseId(clock),
    log,
    metrics,
    maintenance: deps.maintenance,
    media,
  });
  api = opsApi({ ...deps, cases: racing });
  const sink: EventSink = { id: 'memory', deliver: async (event) => void events.push(event as BusEvent<Case>) };
  relay = startEventRelay({
    dynamo: env.client,
    streams: localStreamsClient(env.endpoint),
    table: env.tables.cases,
    sinks: [sink],
    checkpoints: await Checkpoints.open(),
    log,
    pollMs: 50,
  });
});

afterAll(async () => relay?.stop());

const bearers = new Map<User, Promise<Record<string, string>>>();
const act = async (caseId: string, user: User, body: Record<string, unknown>) => {
  if (!bearers.has(user)) bearers.set(user, signIn.bearer(user));
  const result = await api({
    routeKey: 'POST /cases/{caseId}/transitions',
    rawPath: `/cases/${caseId}/transitions`,
    pathParameters: { caseId },
    headers: await bearers.get(user)!,
    body: JSON.stringify(body),
  } as unknown as APIGatewayProxyEventV2);
  return { status: result.statusCode!, body: JSON.parse(result.body ?? 'null') as Case & Record<string, string> };
};

type Step = [CaseAction, User, (c: Case) => Record<string, unknown>];
const none = () => ({});
const inspected = (outcome: 'pass' | 'fail') => (c: Case) => ({
  outcome,
  media: [PHOTO],
  position: { lat: c.location.lat + 0.0001, lon: c.location.lon },
  ...(outcome === 'fail' ? { note: '仍有垃圾未清' } : {}),
});

/** How a citizen's report (collection due: Municipal Landscaping's) is taken to each status before the race. */
const PATHS: Record<string, Step[]> = {
  open: [['register', USERS.clerk, none]],
  dispatched: [
    ['register', USERS.clerk, none],
    ['dispatch', USERS.dispatcher, none],
  ],
  in_progress: [
    ['register', USERS.clerk, none],
    ['dispatch', USERS.dispatcher, none],
    ['start', USERS.landscaping, none],
  ],
  resolved: [
    ['register', USERS.clerk, none],
    ['dispatch', USERS.dispatcher, none],
    ['start', USERS.landscaping, none],
    ['resolve', USERS.landscaping, () => ({ media: [PHOTO] })],
  ],
  reopened: [
    ['register', USERS.clerk, none],
    ['dispatch', USERS.dispatcher, none],
    ['start', USERS.landscaping, none],
    ['resolve', USERS.landscaping, () => ({ media: [PHOTO] })],
    ['reopen', USERS.inspector, () => ({ note: '仍有垃圾未清' })],
  ],
  verified: [
    ['register', USERS.clerk, none],
    ['dispatch', USERS.dispatcher, none],
    ['start', USERS.landscaping, none],
    ['resolve', USERS.landscaping, () => ({ media: [PHOTO] })],
    ['verify', USERS.inspector, none],
  ],
  parked: [
    ['register', USERS.clerk, none],
    ['dispatch', USERS.dispatcher, none],
    ['park', USERS.shiftLead, () => ({ note: '需待道路改造后处理', reviewAt: LATER })],
  ],
};

/** Each action people may take, by whom and with what (valid in every way but the race). */
const ACTIONS: Record<string, Step> = {
  dispatch: ['dispatch', USERS.dispatcher, none],
  start: ['start', USERS.landscaping, none],
  resolve: ['resolve', USERS.landscaping, () => ({ media: [PHOTO], note: '已清运' })],
  return: ['return', USERS.landscaping, () => ({ note: '不属于本单位' })],
  request_extension: ['request_extension', USERS.landscaping, () => ({ note: '需协调物业', until: LATER })],
  dispatch_down: ['dispatch_down', USERS.landscaping, (c) => ({ gridId: c.gridId })],
  park: ['park', USERS.shiftLead, () => ({ note: '需待道路改造后处理', reviewAt: LATER })],
  unpark: ['unpark', USERS.shiftLead, none],
  supervise: ['supervise', USERS.leader, () => ({ note: '请今天下班前处理完' })],
  void: ['void', USERS.shiftLead, () => ({ note: '重复上报' })],
  verify: ['verify', USERS.inspector, none],
  reopen: ['reopen', USERS.inspector, () => ({ note: '仍有垃圾未清' })],
  inspect_pass: ['inspect', USERS.inspector, inspected('pass')],
  inspect_fail: ['inspect', USERS.inspector, inspected('fail')],
  close: ['close', USERS.shiftLead, none],
};

/** The actions the standard cycle allows from each status (see docs/cases.md), as the race draws them. */
const ALLOWED: Record<keyof typeof PATHS, (keyof typeof ACTIONS)[]> = {
  open: ['dispatch', 'park', 'supervise', 'void'],
  dispatched: ['start', 'return', 'request_extension', 'dispatch_down', 'park', 'supervise', 'void'],
  in_progress: ['resolve', 'return', 'request_extension', 'dispatch_down', 'park', 'supervise', 'void'],
  reopened: ['dispatch', 'resolve', 'request_extension', 'dispatch_down', 'park', 'supervise', 'void'],
  resolved: ['verify', 'reopen', 'inspect_pass', 'inspect_fail', 'void'],
  verified: ['close'],
  parked: ['unpark', 'supervise'],
};

const rooms = model.sites.filter((s) => s.siteKind === 'garbage_room');
let n = 0;

/** A new case (a class that never merges, so every report is a case of its own), taken to `status`. */
async function caseIn(status: keyof typeof PATHS): Promise<Case> {
  const report = await deps.cases.report({
    districtId: model.districts[0]!.districtId,
    source: 'public',
    classId: 'collection-due',
    location: siteLocation(rooms[n++ % rooms.length]!),
    description: '垃圾房快满了',
    media: [],
  });
  expect(report.outcome).toBe('received');
  let c = report.case;
  for (const [action, user, body] of PATHS[status]!) c = await deps.cases.act(c.caseId, action, user, body(c));
  return c;
}

/** The history, entry by entry: each starts where the one before ended, and the last ends in the case's status. */
function expectReplays(c: Case) {
  const replayed = c.history.reduce<CaseStatus | null>((status, entry, i) => {
    expect(entry.from, `history entry ${i} (${entry.action}) of ${c.caseId}`).toBe(status);
    return entry.to;
  }, null);
  expect(replayed).toBe(c.status);
}

const raced: Case[] = [];

describe('one winner per case change', () => {
  it('two actions sent at once on one version of a case: one 200, one 409; one history entry, one event', async () => {
    const race = fc.constantFrom(...(Object.keys(ALLOWED) as (keyof typeof PATHS)[])).chain((status) =>
      fc.record({
        status: fc.constant(status),
        pair: fc.tuple(fc.constantFrom(...ALLOWED[status]!), fc.constantFrom(...ALLOWED[status]!)),
      }),
    );
    await fc.assert(
      fc.asyncProperty(race, async ({ status, pair }) => {
        const read = await caseIn(status);
        gate.size = 2;
        const answers = await Promise.all(
          pair.map((name) => {
            const [action, user, body] = ACTIONS[name]!;
            return act(read.caseId, user, { action, ...body(read) });
          }),
        );
        const won = answers.filter((a) => a.status === 200);
        const lost = answers.filter((a) => a.status !== 200);
        expect(
          won,
          `${pair.join(' and ')} on a case ${status}: ${JSON.stringify(answers.map((a) => a.status))}`,
        ).toHaveLength(1);
        expect(lost[0]).toMatchObject({
          status: 409,
          body: { error: 'conflict', localMessage: expect.stringMatching(/刷新后/) },
        });
        const after = (await deps.caseStore.get(read.caseId))!;
        expect(after).toEqual(won[0]!.body);
        expect(after.version).toBe(read.version + 1);
        expect(after.history).toEqual([...read.history, won[0]!.body.history.at(-1)]);
        expectReplays(after);
        raced.push(after);
      }),
      { numRuns: 25 },
    );
    // The case stream: one event per version, each carrying the history up to its entry.
    await vi.waitFor(
      () => {
        for (const c of raced)
          if (!events.some((e) => e.detail.data.caseId === c.caseId && e.detail.data.version === c.version))
            throw new Error(`no event yet for ${c.caseId} at version ${c.version}`);
      },
      { timeout: 15_000, interval: 50 },
    );
    for (const c of raced) {
      const its = events.filter((e) => e.detail.data.caseId === c.caseId).map((e) => e.detail.data);
      expect(its.map((e) => e.history.length)).toEqual(c.history.map((_, i) => i + 1));
      expect(its.map((e) => e.history.at(-1))).toEqual(c.history);
    }
  });
});
