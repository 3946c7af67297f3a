import type { TableKey } from './tables.ts';

/** A DynamoDB action a store method sends (an IAM action without its `dynamodb:` prefix). */
export type TableAction =
  | 'GetItem'
  | 'BatchGetItem'
  | 'Query'
  | 'Scan'
  | 'PutItem'
  | 'UpdateItem'
  | 'DeleteItem'
  | 'BatchWriteItem'
  | 'PartiQLInsert'
  | 'PartiQLUpdate';

/** An action on every item, or only on items whose partition key starts with a prefix. */
export type TableGrant = TableAction | { action: TableAction; keysStartingWith: string };

/**
 * What each public method of a store sends, written beside the store and checked against
 * its code by `test/unit/table-grants.test.ts` (a transaction needs the action of each of
 * its parts; a batch of PartiQL statements that of each kind of statement).
 */
export type StoreGrants<Store> = { readonly [M in keyof Store]: readonly TableGrant[] };

/** Which methods of each table's store a function calls: its IAM grants are derived from these. */
export type TableUses = Partial<Record<TableKey, readonly string[]>>;

/** Refused in the local twin when a function calls a store method its topology entry does not name (AWS refuses it by IAM). */
export class UndeclaredTableUseError extends Error {
  override readonly name = 'UndeclaredTableUseError';
}

/**
 * A store that lets through only the methods a function declared (the local twin's stand-in
 * for the function's IAM grants). Methods run on the store itself, so one calling another
 * inside the store is not refused.
 */
export function guardStore<S extends object>(
  store: S,
  table: TableKey,
  grants: Readonly<Record<string, readonly TableGrant[]>>,
  allowed: readonly string[] | undefined,
  functionName: string,
): S {
  const declared = new Set(allowed ?? []);
  return new Proxy(store, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof property !== 'string' || !(property in grants) || typeof value !== 'function') return value;
      if (!declared.has(property))
        return () =>
          Promise.reject(
            new UndeclaredTableUseError(
              `${functionName} may not call ${table}.${property}: ` +
                "it is not in the function's entry in infra/topology.ts (nor, so, in its IAM grants)",
            ),
          );
      return (...args: unknown[]) => (value as (...a: unknown[]) => unknown).apply(target, args);
    },
  });
}
