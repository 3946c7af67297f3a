import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { ConditionalWriter } from '#shared/adapters/dynamodb/conditional-writes';
import { RetryableError } from '#shared/app/errors';

type Answer = (statements: string[]) => { Error?: { Code: string; Message?: string } }[];
/** A document client that answers each BatchExecuteStatement as `answer` says, and records the statements. */
const client = (answer: Answer | Error) => {
  const sent: string[][] = [];
  const doc = {
    send: async (command: { input: { Statements: { Statement: string; Parameters: unknown[] }[] } }) => {
      const statements = command.input.Statements.map((s) => `${s.Statement} ${JSON.stringify(s.Parameters)}`);
      sent.push(statements);
      if (answer instanceof Error) throw answer;
      return { Responses: answer(statements) };
    },
  } as unknown as DynamoDBDocumentClient;
  return { doc, sent };
};

describe('ConditionalWriter statements and per-statement outcomes', () => {
  it('writes an INSERT for an absent item and an UPDATE of every attribute, with removals, on the version', async () => {
    const { doc, sent } = client((s) => s.map(() => ({})));
    const writer = new ConditionalWriter(doc, 'tbl');
    await Promise.all([
      writer.put({ pk: 'a', sk: 'state', v: 1, fill: 3 }, { absent: true }),
      writer.put(
        { pk: 'b', sk: 'state', v: 5, fill: 4, gone: undefined },
        { version: 4, previous: { pk: 'b', sk: 'state', v: 4, gone: 1, mark: 2 } },
      ),
    ]);
    expect(sent).toEqual([
      [
        `INSERT INTO "tbl" VALUE {'pk': ?, 'sk': ?, 'v': ?, 'fill': ?} ["a","state",1,3]`,
        `UPDATE "tbl" SET "v" = ? SET "fill" = ? REMOVE "gone" REMOVE "mark" WHERE "pk" = ? AND "sk" = ? AND "v" = ? [5,4,"b","state",4]`,
      ],
    ]);
  });

  it('sends a throttled statement again on its own, and gives up after its attempts as retryable', async () => {
    let calls = 0;
    const { doc, sent } = client((s) => {
      calls++;
      return s.map((text) =>
        text.includes('"slow"') && (calls < 3 || text.includes('"never"'))
          ? { Error: { Code: 'ThrottlingError' } }
          : {},
      );
    });
    const writer = new ConditionalWriter(doc, 'tbl', ['pk', 'sk'], { attempts: 4, baseDelayMs: 1 });
    const results = await Promise.allSettled([
      writer.put({ pk: 'slow', sk: 'state', v: 1 }, { absent: true }),
      writer.put({ pk: 'quick', sk: 'state', v: 1 }, { absent: true }),
      writer.put({ pk: 'slow', sk: 'never', v: 1, note: 'never' }, { absent: true }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected']);
    expect((results[2] as PromiseRejectedResult).reason).toBeInstanceOf(RetryableError);
    expect(sent.map((s) => s.length)).toEqual([3, 2, 2, 1]);
  });

  it('tells a failed condition from a bad statement, and fails every write of a request that failed', async () => {
    const { doc } = client(() => [
      { Error: { Code: 'ConditionalCheckFailed' } },
      { Error: { Code: 'DuplicateItem' } },
      { Error: { Code: 'ValidationError', Message: 'bad' } },
    ]);
    const writer = new ConditionalWriter(doc, 'tbl');
    const results = await Promise.allSettled(
      ['x', 'y', 'z'].map((pk) => writer.put({ pk, sk: 'state', v: 1 }, { absent: true })),
    );
    const reasons = results.map((r) => (r as PromiseRejectedResult).reason);
    expect(reasons[0]).toBeInstanceOf(ConditionalCheckFailedException);
    expect(reasons[1]).toBeInstanceOf(ConditionalCheckFailedException);
    expect(reasons[2]).not.toBeInstanceOf(ConditionalCheckFailedException);
    expect(String(reasons[2])).toMatch(/ValidationError bad/);

    const down = new RetryableError('BatchExecuteStatementCommand: connect ECONNREFUSED');
    const failing = new ConditionalWriter(client(down).doc, 'tbl');
    const all = await Promise.allSettled(
      ['x', 'y'].map((pk) => failing.put({ pk, sk: 'state', v: 1 }, { absent: true })),
    );
    expect(all.map((r) => (r as PromiseRejectedResult).reason)).toEqual([down, down]);
  });
});
