import { effectScope } from 'vue';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Refusal } from '../../web/src/refusal-words.ts';
import { type KeptSignIn, type SignedIn, useSession } from '../../web/src/session.ts';

const CLERK: SignedIn = { token: 'token-1', user: { username: 'clerk', name: '王芳', roles: ['intake_clerk'] } };
const HOUR = 3_600_000;

/** A page's kept sign-in (the browser's storage in sign-in.ts), held until its token runs out. */
function kept(who?: SignedIn, forMs = HOUR): KeptSignIn & { keep(who: SignedIn): void } {
  let held = who && { who, until: Date.now() + forMs };
  return {
    read: () => (held && held.until > Date.now() ? held.who : undefined),
    forget: () => (held = undefined),
    keep: (w) => (held = { who: w, until: Date.now() + forMs }),
  };
}

/** A session made as a page makes it, in a scope that ends as the page does. */
function mounted(...args: Parameters<typeof useSession>) {
  const scope = effectScope();
  const session = scope.run(() => useSession(...args))!;
  return { session, unmount: () => scope.stop() };
}

beforeEach(() => {
  vi.useFakeTimers({ now: Date.UTC(2026, 11, 2, 1, 0) });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('who is signed in on a page (useSession)', () => {
  it('starts with the sign-in the page keeps, while its token runs', () => {
    expect(mounted(kept()).session.who.value).toBeUndefined();
    const store = kept(CLERK);
    expect(mounted(store).session.who.value).toEqual(CLERK);
    vi.advanceTimersByTime(HOUR);
    expect(mounted(store).session.who.value).toBeUndefined();
  });

  it('reads at once when someone signs in, then every period while signed in, and stops with the page', async () => {
    const reads: string[] = [];
    const store = kept();
    const { session, unmount } = mounted(store, { read: async (who) => void reads.push(who.token), everyMs: 5_000 });
    await vi.advanceTimersByTimeAsync(10_000);
    expect(reads).toEqual([]);
    store.keep(CLERK);
    session.signedIn(CLERK);
    await vi.advanceTimersByTimeAsync(0);
    expect(reads).toEqual(['token-1']);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(reads).toHaveLength(3);
    unmount();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(reads).toHaveLength(3);
  });

  it('ends as expired when the API refuses the token: the sign-in forgotten, the page’s data with it', async () => {
    const store = kept(CLERK);
    const left = vi.fn();
    const problems: string[] = [];
    let answer: Error | undefined = new Refusal(503, '服务暂时不可用');
    const { session } = mounted(store, {
      read: async () => {
        if (answer) throw answer;
      },
      onLeave: left,
      onProblem: (error) => problems.push(error.message),
    });
    // Another failure is the page's to say; the person stays signed in.
    await session.refresh();
    expect(problems).toEqual(['服务暂时不可用']);
    expect(session.who.value).toMatchObject(CLERK);
    answer = new Refusal(401, '登录已失效');
    await session.refresh();
    expect(problems).toHaveLength(1);
    expect(session.who.value).toBeUndefined();
    expect(session.expired.value).toBe(true);
    expect(store.read()).toBeUndefined();
    expect(left).toHaveBeenCalledOnce();
    // Signed in again: no longer expired.
    answer = undefined;
    store.keep(CLERK);
    session.signedIn(CLERK);
    expect(session.expired.value).toBe(false);
  });

  it('ends as expired when the kept token runs out, before reading with it', async () => {
    const read = vi.fn(async () => {});
    const { session } = mounted(kept(CLERK), { read, everyMs: 60_000 });
    await vi.advanceTimersByTimeAsync(HOUR);
    expect(read).toHaveBeenCalledTimes(59);
    expect(session.who.value).toBeUndefined();
    expect(session.expired.value).toBe(true);
  });

  it('leaves by the person’s choice without counting as expired', () => {
    const store = kept(CLERK);
    const { session } = mounted(store);
    session.leave();
    expect(session.who.value).toBeUndefined();
    expect(session.expired.value).toBe(false);
    expect(store.read()).toBeUndefined();
    // A refusal with nobody signed in changes nothing more.
    expect(session.refused(new Refusal(401, ''))).toBe(true);
    expect(session.refused(new Refusal(403, ''))).toBe(false);
    expect(session.expired.value).toBe(false);
  });
});
