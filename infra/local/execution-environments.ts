/** A failure the twin caused on purpose (see {@link ExecutionEnvironments}). */
export class InjectedFailure extends Error {
  override readonly name = 'InjectedFailure';
}

export interface ExecutionEnvironmentOptions {
  /** Chance that an environment is thrown away after an invocation (Lambda recycles them when it likes). */
  recycleRate: number;
  /**
   * Chance that an invocation fails on purpose: half of these before the handler runs (a
   * crash on start), half after it has done its work (a timeout at the end), so a retry
   * meets work already done.
   */
  failRate?: number;
  random?: () => number;
}

/**
 * A function as Lambda runs it: several execution environments, each with its own memory
 * (its own handler, built with its own adapters and caches by `build`), as many as there
 * are invocations at once; each may be recycled after any invocation, and an invocation
 * may fail on purpose. Whatever passes on this twin cannot depend on one environment's
 * memory lasting, or on two invocations sharing it.
 */
export class ExecutionEnvironments<E, R> {
  private readonly idle: ((event: E) => Promise<R>)[] = [];
  private readonly random: () => number;
  /** Counts, for tests and the live log. */
  readonly stats = { created: 0, recycled: 0, failed: 0, invocations: 0 };

  constructor(
    readonly name: string,
    private readonly build: () => (event: E) => Promise<R>,
    private readonly options: ExecutionEnvironmentOptions,
  ) {
    this.random = options.random ?? Math.random;
  }

  readonly invoke = async (event: E): Promise<R> => {
    const handler = this.idle.pop() ?? this.create();
    this.stats.invocations++;
    let keep = true;
    try {
      const fail = (this.options.failRate ?? 0) > 0 && this.random() < this.options.failRate!;
      const early = fail && this.random() < 0.5;
      if (early) throw this.injected('before its handler ran');
      const result = await handler(event);
      if (fail) throw this.injected('after its handler had done its work');
      return result;
    } catch (error) {
      // A crashed runtime is not reused.
      if (!(error instanceof InjectedFailure)) keep = this.random() >= 0.5;
      throw error;
    } finally {
      if (keep && this.random() >= this.options.recycleRate) this.idle.push(handler);
      else this.stats.recycled++;
    }
  };

  private create(): (event: E) => Promise<R> {
    this.stats.created++;
    return this.build();
  }

  private injected(when: string): InjectedFailure {
    this.stats.failed++;
    return new InjectedFailure(`${this.name}: invocation failed on purpose ${when}`);
  }
}
