import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Identity } from '#shared/app/ports/identity';
import { JwtIdentity, type JwtIdentityOptions } from '#shared/adapters/identity/jwt-identity';
import { wireDeps } from '#shared/runtime/wiring';
import type { FunctionSpec } from '#infra/topology';
import { ExecutionEnvironments } from './execution-environments.ts';
import type { LocalBuckets } from './buckets.ts';
import type { LocalEventBus } from './event-bus.ts';
import type { LocalOperatorSignIn } from './operator-sign-in.ts';
import { LOCAL_AUDIENCE } from './sign-in.ts';
import type { LocalTables } from './tables.ts';
import type { Piece, Twin } from './pieces.ts';

/** A function's invocation, as its event source, schedule or API calls it. */
export type Invoke = (event: never) => Promise<unknown>;

export interface LocalFunctions extends Piece {
  /** Each function's execution environments, by function name. */
  environments: Map<string, ExecutionEnvironments<never, unknown>>;
  /** Each function's invocation, by function name. */
  handlers: Record<string, Invoke>;
}

/** An identity that makes its verifier on first use, once the API's address is known (one per execution environment). */
const lazyIdentity = (options: () => JwtIdentityOptions): Identity => {
  let made: JwtIdentity | undefined;
  return { verify: (token) => (made ??= new JwtIdentity(options())).verify(token) };
};

export interface FunctionsSettings {
  /** The workbench's built files, served by the ops API at `/app/` (see workbench.ts); none: no workbench. */
  appDir?: string;
  /**
   * Chance that a function's execution environment is recycled after an invocation (default
   * 0.02; the test stacks use more): nothing may depend on one environment's memory.
   */
  recycleRate?: number;
  /** Chance that an ingest invocation fails on purpose, before or after its work (default 0). */
  failRate?: number;
}

/**
 * The topology's functions (`CityOpsFunction` each), running the very handler modules
 * deployed to Lambda in execution environments of their own: each environment's adapters
 * are new (its own caches), on the shared clients, and refuse the store methods its
 * topology entry does not name, as IAM does.
 */
export async function startFunctions(
  specs: readonly FunctionSpec[],
  options: FunctionsSettings &
    Pick<Twin, 'clock' | 'log' | 'metrics' | 'apiUrl'> & {
      tables: LocalTables;
      buckets: LocalBuckets;
      bus: LocalEventBus;
      operators: LocalOperatorSignIn;
      /** The functions `failRate` applies to (the ingest functions). */
      failing: readonly string[];
    },
): Promise<LocalFunctions> {
  const { tables, buckets, apiUrl } = options;
  const { signIn } = options.operators;
  const environments = new Map<string, ExecutionEnvironments<never, unknown>>();
  const handlers: Record<string, Invoke> = {};
  for (const spec of specs) {
    const module = await import(pathToFileURL(resolve(import.meta.dirname, '../..', spec.entry)).href);
    const wire = () =>
      wireDeps({
        doc: tables.doc,
        tables: tables.names,
        clock: options.clock,
        log: options.log,
        metrics: options.metrics,
        reports: buckets.reports,
        events: options.bus.events,
        media: buckets.media,
        grants: { functionName: spec.name, tables: spec.tables },
        identity: lazyIdentity(() => ({
          keys: new URL(`${apiUrl()}/auth/jwks.json`),
          issuer: signIn.issuerUrl(),
          audience: LOCAL_AUDIENCE,
        })),
      });
    const pool = new ExecutionEnvironments<never, unknown>(
      spec.name,
      // The pages' built files go to the function that serves them (`pages`), as they are bundled beside it in AWS.
      () => module.makeHandler({ ...wire(), ...(spec.pages && options.appDir ? { appDir: options.appDir } : {}) }),
      {
        recycleRate: options.recycleRate ?? 0.02,
        failRate: options.failing.includes(spec.name) ? options.failRate : 0,
      },
    );
    environments.set(spec.name, pool);
    handlers[spec.name] = pool.invoke;
  }
  return { environments, handlers, health: () => ({ up: true }), stop: async () => {} };
}
