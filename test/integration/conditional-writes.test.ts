import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConditionalWriter } from '#shared/adapters/dynamodb/conditional-writes';
import { testTables } from '../support/dynamo.ts';

let env: Awaited<ReturnType<typeof testTables>>;
beforeAll(async () => {
  env = await testTables('cond');
});

const get = async (pk: string) =>
  (
    await env.doc.send(
      new GetCommand({ TableName: env.tables.telemetry, Key: { pk, sk: 'state' }, ConsistentRead: true }),
    )
  ).Item;
const count = (name: string) => env.requests.filter((r) => r === `${name}:${env.tables.telemetry}`).length;

describe('conditional whole-item writes, 25 to a request (PartiQL BatchExecuteStatement)', () => {
  it('sends the writes of one turn together, 25 to a request, each on its own condition', async () => {
    const writer = new ConditionalWriter(env.doc, env.tables.telemetry);
    // Ten items already stored at version 1; one of them changed since (version 2).
    for (let i = 0; i < 10; i++)
      await env.doc.send(
        new PutCommand({
          TableName: env.tables.telemetry,
          Item: { pk: `dev#${i}`, sk: 'state', v: i === 3 ? 2 : 1, fill: 0 },
        }),
      );
    env.requests.length = 0;
    const writes = Array.from({ length: 60 }, (_, i) => {
      const item = { pk: `dev#${i}`, sk: 'state', v: 2, fill: i, detector: { run: [i, i + 1] }, pending: [] };
      return writer.put(
        item,
        i < 10 ? { version: 1, previous: { pk: `dev#${i}`, sk: 'state', v: 1, fill: 0 } } : { absent: true },
      );
    });
    const outcomes = await Promise.allSettled(writes);
    expect(count('BatchExecuteStatementCommand')).toBe(3);
    expect(count('Statement')).toBe(60);
    // Only the item changed since is refused, as its PutItem would have been.
    const refused = outcomes.flatMap((o, i) => (o.status === 'rejected' ? [i] : []));
    expect(refused).toEqual([3]);
    expect((outcomes[3] as PromiseRejectedResult).reason).toBeInstanceOf(ConditionalCheckFailedException);
    expect(await get('dev#3')).toEqual({ pk: 'dev#3', sk: 'state', v: 2, fill: 0 });
    expect(await get('dev#4')).toEqual({
      pk: 'dev#4',
      sk: 'state',
      v: 2,
      fill: 4,
      detector: { run: [4, 5] },
      pending: [],
    });
    expect(await get('dev#59')).toEqual({
      pk: 'dev#59',
      sk: 'state',
      v: 2,
      fill: 59,
      detector: { run: [59, 60] },
      pending: [],
    });
  });

  it('refuses an insert of an item that exists, and removes what the next item no longer has', async () => {
    const writer = new ConditionalWriter(env.doc, env.tables.telemetry);
    await writer.put({ pk: 'dev#r', sk: 'state', v: 1, fill: 1, mark: { ts: 1 }, note: 'x' }, { absent: true });
    await expect(writer.put({ pk: 'dev#r', sk: 'state', v: 1, fill: 9 }, { absent: true })).rejects.toBeInstanceOf(
      ConditionalCheckFailedException,
    );
    const previous = (await get('dev#r'))!;
    await writer.put({ pk: 'dev#r', sk: 'state', v: 2, fill: 2, note: undefined }, { version: 1, previous });
    expect(await get('dev#r')).toEqual({ pk: 'dev#r', sk: 'state', v: 2, fill: 2 });
  });

  it('never puts two writes of one item in the same request: the second goes once the first is answered', async () => {
    const writer = new ConditionalWriter(env.doc, env.tables.telemetry);
    env.requests.length = 0;
    const first = writer.put({ pk: 'dev#twice', sk: 'state', v: 1, fill: 1 }, { absent: true });
    const second = writer.put(
      { pk: 'dev#twice', sk: 'state', v: 2, fill: 2 },
      { version: 1, previous: { pk: 'dev#twice', sk: 'state', v: 1, fill: 1 } },
    );
    const other = writer.put({ pk: 'dev#other', sk: 'state', v: 1, fill: 7 }, { absent: true });
    await Promise.all([first, second, other]);
    expect(count('BatchExecuteStatementCommand')).toBe(2);
    expect(await get('dev#twice')).toMatchObject({ v: 2, fill: 2 });
  });

  it('refuses attribute names it cannot put in a statement, before sending anything', async () => {
    const writer = new ConditionalWriter(env.doc, env.tables.telemetry);
    await expect(writer.put({ pk: 'dev#bad', sk: 'state', 'fill pct': 1 }, { absent: true })).rejects.toThrow(
      /attribute name "fill pct"/,
    );
  });
});
