import { CASE_GRANTS } from './case-store.ts';
import { COVERAGE_GRANTS } from './coverage-store.ts';
import type { TableGrant } from './grants.ts';
import { REGISTRY_GRANTS } from './registry-store.ts';
import { REJECT_GRANTS } from './reject-store.ts';
import type { TableKey } from './tables.ts';
import { TELEMETRY_GRANTS } from './telemetry-store.ts';
import { TICKET_GRANTS } from './ticket-store.ts';

/** Each table's store, method by method: what it sends. */
export const TABLE_GRANTS: Record<TableKey, Readonly<Record<string, readonly TableGrant[]>>> = {
  registry: REGISTRY_GRANTS,
  telemetry: TELEMETRY_GRANTS,
  cases: CASE_GRANTS,
  coverage: COVERAGE_GRANTS,
  rejects: REJECT_GRANTS,
  tickets: TICKET_GRANTS,
};

/**
 * The grants of the methods a function calls on one table, merged: `dynamodb:` actions on
 * every item, and actions limited to items whose partition key starts with a prefix.
 */
export function grantsFor(table: TableKey, methods: readonly string[]) {
  const everyItem = new Set<string>();
  const byPrefix = new Map<string, Set<string>>();
  for (const method of methods) {
    const grants = TABLE_GRANTS[table][method];
    if (!grants) throw new Error(`the ${table} store has no method "${method}"`);
    for (const grant of grants) {
      if (typeof grant === 'string') everyItem.add(`dynamodb:${grant}`);
      else {
        const set = byPrefix.get(grant.keysStartingWith) ?? new Set<string>();
        set.add(`dynamodb:${grant.action}`);
        byPrefix.set(grant.keysStartingWith, set);
      }
    }
  }
  // An action granted on every item needs no narrower grant.
  for (const set of byPrefix.values()) for (const action of everyItem) set.delete(action);
  return {
    everyItem: [...everyItem].sort(),
    byPrefix: [...byPrefix].filter(([, s]) => s.size).map(([prefix, s]) => ({ prefix, actions: [...s].sort() })),
  };
}
