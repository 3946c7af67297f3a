import { type BatchStatementResponse, ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { BatchExecuteStatementCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { RetryableError } from '#shared/app/errors';

/** What a whole-item write expects to find stored: nothing, or the version it last saw. */
export type Expectation = { absent: true } | { version: number; previous: Record<string, unknown> };

export interface ConditionalWriterOptions {
  /** Rounds of re-sending a statement that was throttled before handing it back as retryable. */
  attempts?: number;
  baseDelayMs?: number;
}

/** DynamoDB's per-statement limit for BatchExecuteStatement. */
const MAX_STATEMENTS = 25;
/** Per-statement error codes (BatchStatementError.Code) worth sending again. */
const RETRYABLE_CODES = new Set([
  'ThrottlingError',
  'ProvisionedThroughputExceeded',
  'RequestLimitExceeded',
  'InternalServerError',
  'TransactionConflict',
]);
/** The statement's condition did not hold: the item is not as the writer saw it. */
const CONFLICT_CODES = new Set(['ConditionalCheckFailed', 'DuplicateItem']);
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

interface Pending {
  key: string;
  statement: { Statement: string; Parameters: unknown[] };
  attempt: number;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Whole-item writes of one table, each conditional on what its writer last saw (the item's
 * version `v`, or its absence), sent 25 to a request as PartiQL statements
 * (BatchExecuteStatement) instead of one PutItem each. The statements are independent:
 * each succeeds or fails on its own condition, as its PutItem would, and is billed the same
 * write units; what the batch saves is the requests: one signed HTTP round trip for 25
 * devices' state instead of 25, which is most of a Lambda's (and DynamoDB Local's) time per
 * state write. BatchWriteItem would batch too, but takes no condition, and
 * TransactWriteItems takes conditions at twice the write units.
 *
 * Writes asked for in the same turn of the event loop share requests. Two writes of the
 * same item never share one, nor overtake each other: the later waits until the earlier is
 * answered.
 */
export class ConditionalWriter {
  private queue: Pending[] = [];
  /** Items with a statement in a request not answered yet. */
  private readonly inFlight = new Set<string>();
  private scheduled = false;

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly keyNames: readonly [string, string] = ['pk', 'sk'],
    private readonly options: ConditionalWriterOptions = {},
  ) {
    if (!/^[A-Za-z0-9_.-]+$/.test(table)) throw new Error(`table name ${table} cannot be used in a PartiQL statement`);
  }

  /**
   * Writes `item` (its key included) in place of what is stored, if what is stored is as
   * expected. Rejects with ConditionalCheckFailedException when it is not, with
   * RetryableError when DynamoDB kept throttling it, or with the failure as it is.
   */
  put(item: Record<string, unknown>, expect: Expectation): Promise<void> {
    let statement: Pending['statement'];
    try {
      statement = this.statement(item, expect);
    } catch (error) {
      return Promise.reject(error);
    }
    const key = this.keyNames.map((k) => String(item[k])).join('\u0000');
    return new Promise((resolve, reject) => {
      this.queue.push({ key, statement, attempt: 0, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.sendQueued();
    });
  }

  private sendQueued(): void {
    while (this.queue.length > 0) {
      const chunk: Pending[] = [];
      const waiting: Pending[] = [];
      for (const pending of this.queue) {
        if (chunk.length < MAX_STATEMENTS && !this.inFlight.has(pending.key)) {
          chunk.push(pending);
          this.inFlight.add(pending.key);
        } else waiting.push(pending);
      }
      this.queue = waiting;
      // Everything left writes an item already in flight: it goes once that write is answered.
      if (chunk.length === 0) return;
      void this.send(chunk).finally(() => {
        for (const pending of chunk) this.inFlight.delete(pending.key);
        if (this.queue.length > 0) this.schedule();
      });
    }
  }

  private async send(chunk: Pending[]): Promise<void> {
    let responses: BatchStatementResponse[];
    try {
      responses =
        (await this.doc.send(new BatchExecuteStatementCommand({ Statements: chunk.map((p) => p.statement) })))
          .Responses ?? [];
    } catch (error) {
      for (const pending of chunk) pending.reject(error);
      return;
    }
    const again: Pending[] = [];
    for (const [i, pending] of chunk.entries()) {
      const error = responses[i]?.Error;
      if (!responses[i])
        pending.reject(new RetryableError(`${this.table}: no answer for statement ${i + 1} of ${chunk.length}`));
      else if (!error?.Code) pending.resolve();
      else if (CONFLICT_CODES.has(error.Code))
        pending.reject(new ConditionalCheckFailedException({ message: error.Message ?? error.Code, $metadata: {} }));
      else if (RETRYABLE_CODES.has(error.Code) && pending.attempt + 1 < (this.options.attempts ?? 5))
        again.push({ ...pending, attempt: pending.attempt + 1 });
      else if (RETRYABLE_CODES.has(error.Code))
        pending.reject(new RetryableError(`${this.table}: ${error.Code} ${error.Message ?? ''}`.trim()));
      else pending.reject(new Error(`${this.table}: ${error.Code} ${error.Message ?? ''}`.trim()));
    }
    if (again.length > 0) {
      // Kept in flight while they wait, so no newer write of the same item overtakes them.
      const attempt = again[0]!.attempt;
      await new Promise((r) =>
        setTimeout(r, (this.options.baseDelayMs ?? 50) * 2 ** (attempt - 1) * (0.5 + Math.random())),
      );
      await this.send(again);
    }
  }

  /** INSERT (the item must be absent) or UPDATE of every attribute (the version must match). */
  private statement(item: Record<string, unknown>, expect: Expectation): Pending['statement'] {
    const [hash, range] = this.keyNames;
    const names = Object.keys(item).filter((name) => item[name] !== undefined);
    for (const name of names)
      if (!NAME.test(name))
        throw new Error(`attribute name ${JSON.stringify(name)} cannot be used in a PartiQL statement`);
    if ('absent' in expect) {
      return {
        Statement: `INSERT INTO "${this.table}" VALUE {${names.map((n) => `'${n}': ?`).join(', ')}}`,
        Parameters: names.map((n) => item[n]),
      };
    }
    const set = names.filter((n) => n !== hash && n !== range);
    const remove = Object.keys(expect.previous).filter(
      (n) => n !== hash && n !== range && item[n] === undefined && expect.previous[n] !== undefined,
    );
    for (const name of remove)
      if (!NAME.test(name))
        throw new Error(`attribute name ${JSON.stringify(name)} cannot be used in a PartiQL statement`);
    const sets = set.map((n) => `SET "${n}" = ?`).join(' ');
    const removes = remove.length ? ` ${remove.map((n) => `REMOVE "${n}"`).join(' ')}` : '';
    return {
      Statement: `UPDATE "${this.table}" ${sets}${removes} WHERE "${hash}" = ? AND "${range}" = ? AND "v" = ?`,
      Parameters: [...set.map((n) => item[n]), item[hash], item[range], expect.version],
    };
  }
}
