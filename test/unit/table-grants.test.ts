import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { guardStore, type TableGrant, UndeclaredTableUseError } from '#shared/adapters/dynamodb/grants';
import { TABLE_GRANTS } from '#shared/adapters/dynamodb/table-grants';

const DIR = join(import.meta.dirname, '../../shared/adapters/dynamodb');
const STORES = {
  registry: 'registry-store.ts',
  telemetry: 'telemetry-store.ts',
  cases: 'case-store.ts',
  coverage: 'coverage-store.ts',
  rejects: 'reject-store.ts',
} as const;

/** What a piece of store code sends, by the SDK commands and the shared helpers it calls. */
const SENDS: [RegExp, string[]][] = [
  [/new GetCommand\(/, ['GetItem']],
  [/new QueryCommand\(|queryAll\(this\.doc/, ['Query']],
  [/new ScanCommand\(/, ['Scan']],
  [/new PutCommand\(|\bPut: \{/, ['PutItem']],
  [/new UpdateCommand\(|\bUpdate: \{/, ['UpdateItem']],
  [/new DeleteCommand\(|\bDelete: \{/, ['DeleteItem']],
  [/batchGetAll\(/, ['BatchGetItem']],
  [/batchPut\(/, ['BatchWriteItem']],
  // A read-modify-write: a consistent read, then a conditional INSERT or UPDATE statement (ConditionalWriter).
  [/modifyItem\b/, ['GetItem', 'PartiQLInsert', 'PartiQLUpdate']],
];

/** Each method of the store's class with its body, read from the source (methods start at two spaces' indent). */
function methodsOf(source: string): Map<string, string> {
  const body = source.slice(source.indexOf('\nexport class '));
  const starts = [...body.matchAll(/\n {2}(?:private |static )?(?:async )?(\w+)(?:<[^>]*>)?\(/g)];
  return new Map(starts.map((m, i) => [m[1]!, body.slice(m.index, starts[i + 1]?.index ?? body.length)] as const));
}

/** The actions a method sends, following its calls to the store's other methods. */
function derive(methods: Map<string, string>, name: string, seen = new Set<string>()): Set<string> {
  const actions = new Set<string>();
  if (seen.has(name)) return actions;
  seen.add(name);
  const code = methods.get(name)!;
  for (const [pattern, sent] of SENDS) if (pattern.test(code)) for (const a of sent) actions.add(a);
  for (const [, called] of code.matchAll(/this\.(\w+)(?:<[^>]*>)?\(/g))
    if (called !== name && methods.has(called!)) for (const a of derive(methods, called!, seen)) actions.add(a);
  return actions;
}

const actionOf = (grant: TableGrant) => (typeof grant === 'string' ? grant : grant.action);

describe('table grants (what each store method sends, the source of every function’s IAM actions)', () => {
  for (const [table, file] of Object.entries(STORES) as [keyof typeof STORES, string][]) {
    it(`match the code of the ${table} store, method by method`, () => {
      const source = readFileSync(join(DIR, file), 'utf8');
      const methods = methodsOf(source);
      const declared = TABLE_GRANTS[table];
      const publicMethods = [...methods.keys()].filter(
        (m) => m !== 'constructor' && !new RegExp(`\\n {2}private (?:async )?${m}\\b`).test(source),
      );
      expect(Object.keys(declared).sort(), 'every public method declared, and nothing else').toEqual(
        publicMethods.sort(),
      );
      for (const method of publicMethods)
        expect([...new Set(declared[method]!.map(actionOf))].sort(), `${table}.${method}`).toEqual(
          [...derive(methods, method)].sort(),
        );
    });
  }

  it('let the case store delete nothing but a case’s lock', () => {
    const source = readFileSync(join(DIR, STORES.cases), 'utf8');
    expect([...source.matchAll(/Delete: \{[^}]*Key: caseKeys\.(\w+)\(/g)].map((m) => m[1])).toEqual(['lock']);
    expect(source).toContain('lock: (siteId: string, category: string) => ({ pk: `active#${siteId}#${category}`');
    expect(Object.values(TABLE_GRANTS.cases).flat()).toContainEqual({
      action: 'DeleteItem',
      keysStartingWith: 'active#',
    });
  });
});

describe('the twin’s stand-in for IAM (guardStore)', () => {
  class Store {
    calls: string[] = [];
    async read() {
      this.calls.push('read');
      return this.write();
    }
    async write() {
      this.calls.push('write');
      return 'written';
    }
  }
  const grants = { read: ['GetItem'], write: ['PutItem'] } as const;

  it('refuses a method the function did not declare, naming the function and the method', async () => {
    const store = guardStore(new Store(), 'cases', grants as never, ['read'], 'ops-api');
    await expect(store.write()).rejects.toThrow(UndeclaredTableUseError);
    await expect(store.write()).rejects.toThrow('ops-api may not call cases.write');
  });

  it('lets a declared method call the store’s other methods inside the store', async () => {
    const inner = new Store();
    const store = guardStore(inner, 'cases', grants as never, ['read'], 'ops-api');
    expect(await store.read()).toBe('written');
    expect(inner.calls).toEqual(['read', 'write']);
  });
});
