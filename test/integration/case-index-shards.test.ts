import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { CASE_INDEX_SHARDS, caseItem, DynamoCaseStore } from '#shared/adapters/dynamodb/case-store';
import { InvalidPageTokenError } from '#shared/app/errors';
import type { Case } from '#shared/domain/case/model';
import { caseEventFor } from '#shared/events/case-events';
import { testTables } from '../support/dynamo.ts';

const NOW = Date.UTC(2026, 11, 1, 2, 0);
let env: Awaited<ReturnType<typeof testTables>>;
let store: DynamoCaseStore;
beforeAll(async () => {
  env = await testTables('case-shards');
  store = new DynamoCaseStore(env.doc, env.tables.cases);
});

/** A case as the case service makes it, with what the listings filter on. */
const caseOf = (i: number, over: Partial<Case> = {}): Case =>
  ({
    caseId: `c-${String(i).padStart(4, '0')}`,
    districtId: 'storm',
    siteId: `gr-${i}`,
    category: i % 3 === 0 ? 'bin_fire' : 'garbage_overflow',
    status: i % 4 === 0 ? 'resolved' : 'open',
    severity: 'major',
    openedAt: NOW + i * 1000,
    updatedAt: NOW + i * 1000,
    dueAt: NOW + i * 1000 + 3_600_000,
    leadUnit: 'sanitation',
    coUnits: [],
    streetId: 'st-1',
    communityId: 'cm-1',
    gridId: 'g-1',
    escalationLevel: 0,
    occurrences: 1,
    version: 1,
    history: [],
    ...over,
  }) as unknown as Case;

const ids = (cases: Case[]) => cases.map((c) => c.caseId);

describe('case indexes sharded under a district-wide storm', () => {
  const cases = Array.from({ length: 60 }, (_, i) => caseOf(i));

  it('spreads one district’s, unit’s and street’s cases over the index shards', async () => {
    for (const c of cases) expect(await store.create(c)).toBe('created');
    const shards = new Set(cases.map((c) => caseItem(c).districtShard));
    expect(shards.size).toBe(CASE_INDEX_SHARDS);
    const item = caseItem(cases[1]!);
    const shard = String(item.districtShard).split('#')[1];
    expect(item).toMatchObject({
      districtShard: `storm#${shard}`,
      unitShard: `sanitation#${shard}`,
      streetShard: `st-1#${shard}`,
      workingKey: `storm#working#${shard}`,
    });
  });

  it('lists newest first across the shards, page by page, none twice and none missed', async () => {
    const newestFirst = ids([...cases].sort((a, b) => b.openedAt - a.openedAt));
    for (const filter of [{ districtId: 'storm' }, { unit: 'sanitation' }, { streetId: 'st-1' }] as const) {
      const seen: string[] = [];
      let nextToken: string | undefined;
      let pages = 0;
      do {
        const page = await store.list({ ...filter, limit: 7, nextToken });
        expect(page.items.length).toBeLessThanOrEqual(7);
        seen.push(...ids(page.items));
        nextToken = page.nextToken;
        pages++;
      } while (nextToken);
      expect(seen).toEqual(newestFirst);
      expect(pages).toBe(Math.ceil(60 / 7));
    }
  });

  it('applies the filters and `since` on every shard, and pages them too', async () => {
    const wanted = ids(
      cases
        .filter((c) => c.status === 'open' && c.category === 'bin_fire' && c.openedAt >= NOW + 20_000)
        .sort((a, b) => b.openedAt - a.openedAt),
    );
    const seen: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await store.list({
        districtId: 'storm',
        status: 'open',
        category: 'bin_fire',
        since: NOW + 20_000,
        limit: 4,
        nextToken,
      });
      seen.push(...ids(page.items));
      nextToken = page.nextToken;
    } while (nextToken);
    expect(seen).toEqual(wanted);
  });

  it('reads about a page plus a few cases a shard for a page, not every shard’s whole page', async () => {
    env.requests.length = 0;
    await store.list({ districtId: 'storm', limit: 20 });
    const queries = env.requests.filter((r) => r.startsWith('QueryCommand:')).length;
    // One query a shard to start; a few more for the shards whose cases come first.
    expect(queries).toBeGreaterThanOrEqual(CASE_INDEX_SHARDS);
    expect(queries).toBeLessThanOrEqual(3 * CASE_INDEX_SHARDS);
  });

  it('lists the working cases and the month’s opened cases from every shard', async () => {
    expect(ids(await store.listWorking('storm')).sort()).toEqual(ids(cases.filter((c) => c.status === 'open')).sort());
    expect(ids(await store.listOpened('storm', NOW + 10_000, NOW + 20_000))).toEqual(
      ids(cases.filter((c) => c.openedAt >= NOW + 10_000 && c.openedAt < NOW + 20_000)),
    );
  });

  it('refuses a page token it did not issue as a bad request, not a failure', async () => {
    const forged = [
      'not-base64-json',
      Buffer.from(JSON.stringify({ o: '1#x', extra: 1 })).toString('base64url'),
      Buffer.from(JSON.stringify({ o: 5 })).toString('base64url'),
      Buffer.from(JSON.stringify({ pk: 'case#x', sk: 'case' })).toString('base64url'),
    ];
    for (const nextToken of forged)
      await expect(store.list({ districtId: 'storm', nextToken })).rejects.toBeInstanceOf(InvalidPageTokenError);
    // A real token, used with another listing (another district, another filter).
    const { nextToken } = await store.list({ districtId: 'storm', limit: 5 });
    await expect(store.list({ districtId: 'legacy', nextToken })).rejects.toBeInstanceOf(InvalidPageTokenError);
    await expect(store.list({ districtId: 'storm', status: 'open', nextToken })).rejects.toBeInstanceOf(
      InvalidPageTokenError,
    );
    expect((await store.list({ districtId: 'storm', limit: 5, nextToken })).items).toHaveLength(5);
  });

  it('gives cases stored before the sharding their index keys once, with no case event for it', async () => {
    const old = caseOf(901, { districtId: 'legacy' }); // open: on the working list too
    const { districtShard: _d, unitShard: _u, streetShard: _s, ...oldLayout } = caseItem(old);
    await env.doc.send(
      new PutCommand({ TableName: env.tables.cases, Item: { ...oldLayout, workingKey: 'legacy#working' } }),
    );
    expect((await store.list({ districtId: 'legacy' })).items).toEqual([]);
    expect(await store.reindex()).toEqual({ rewritten: 1 });
    expect(ids((await store.list({ districtId: 'legacy' })).items)).toEqual([old.caseId]);
    expect(ids(await store.listWorking('legacy'))).toEqual([old.caseId]);
    // Done once: a marker says so, and a second run reads nothing.
    expect(await store.reindex()).toEqual({ rewritten: 0 });
    const rewritten = (
      await env.doc.send(new GetCommand({ TableName: env.tables.cases, Key: { pk: `case#${old.caseId}`, sk: 'case' } }))
    ).Item!;
    expect(caseEventFor({ id: 'e1', oldImage: { ...oldLayout }, newImage: rewritten })).toBeUndefined();
    expect(
      caseEventFor({ id: 'e2', oldImage: { ...oldLayout }, newImage: { ...rewritten, version: 2, status: 'closed' } })
        ?.detailType,
    ).toBe('CaseClosed');
  });
  it('lists the desk with the working cases: reports in intake, work waiting for the inspector, parked cases', async () => {
    const desk = [
      caseOf(801, { districtId: 'desk', status: 'received', registerBy: NOW + 3_600_000 }),
      caseOf(802, { districtId: 'desk', status: 'resolved', verifyBy: NOW + 7_200_000 }),
      caseOf(803, { districtId: 'desk', status: 'parked' }),
      caseOf(804, { districtId: 'desk', status: 'dispatched' }),
      caseOf(805, { districtId: 'desk', status: 'closed' }),
    ];
    for (const c of desk) await env.doc.send(new PutCommand({ TableName: env.tables.cases, Item: caseItem(c) }));
    expect(ids(await store.listWorking('desk'))).toEqual([desk[3]!.caseId]);
    expect(ids(await store.listActive('desk')).sort()).toEqual(ids(desk.slice(0, 4)).sort());
    // A resolved case stored before the desk joined the index: given its key once.
    const old = caseOf(806, { districtId: 'desk-legacy', status: 'resolved' });
    const { workingKey: _w, dueKey: _d, ...before } = caseItem(old);
    await env.doc.send(new PutCommand({ TableName: env.tables.cases, Item: before }));
    expect(ids(await store.listActive('desk-legacy'))).toEqual([]);
    await env.doc.send(new DeleteCommand({ TableName: env.tables.cases, Key: { pk: 'layout#cases', sk: 'desk#1' } }));
    expect(await store.reindex()).toEqual({ rewritten: 1 });
    expect(ids(await store.listActive('desk-legacy'))).toEqual([old.caseId]);
  });
});
