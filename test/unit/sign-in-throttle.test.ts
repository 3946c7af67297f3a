import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startApiServer } from '#infra/local/api-server';
import { LocalSignIn } from '#infra/local/sign-in';
import { type SignInPolicy, SignInThrottledError } from '#infra/local/sign-in-throttle';
import { API_ROUTES } from '#infra/topology';
import { SignInError } from '#shared/app/ports/identity';

/**
 * The local sign-in's brake on password guessing: per user, the user pool's own policy
 * (five free failures, then a lockout of a second doubled at each failure, at most 15
 * minutes); per address, 30 failures in 15 minutes lock it out for 15 minutes. The
 * limiters keep their own time (Date.now): these tests move a fake Date, never wait.
 */
const PASSWORD = 'the-right-one';
const open = async (policy: Partial<SignInPolicy> = {}) =>
  (
    await LocalSignIn.open(
      mkdtempSync(join(tmpdir(), 'cityops-throttle-')),
      () => 'http://test',
      [
        { username: 'clerk', roles: ['intake_clerk'], password: PASSWORD },
        { username: 'lead', roles: ['shift_lead'], password: PASSWORD },
      ],
      policy,
    )
  ).signIn;

/** What a sign-in comes to: `ok`, `wrong` (401), or the seconds its lockout has left (429). */
const outcome = (signIn: LocalSignIn, username: string, password: string, address = '10.0.0.1') =>
  signIn.signInWith(username, password, address).then(
    () => 'ok' as const,
    (error: unknown) => {
      if (error instanceof SignInThrottledError) return error.retryAfterSeconds;
      if (error instanceof SignInError) return 'wrong' as const;
      throw error;
    },
  );
const WRONG = 'guess';
const later = (seconds: number) => vi.setSystemTime(Date.now() + seconds * 1000);

// Each attempt hashes a password (scrypt): dozens of them take seconds on a busy machine.
describe('wrong passwords, per user and per address (a fake clock)', { timeout: 60_000 }, () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.UTC(2026, 11, 8, 1, 0));
  });
  afterEach(() => vi.useRealTimers());

  it('refuses even the right password, unchecked, at once after five wrong ones; a second later it takes it', async () => {
    const signIn = await open();
    for (let i = 0; i < 5; i++) expect(await outcome(signIn, 'clerk', WRONG)).toBe('wrong');
    // 500 guesses at 13 a second, then the right one: refused until the lockout ends.
    for (let i = 0; i < 50; i++) expect(await outcome(signIn, 'clerk', WRONG)).toBe(1);
    expect(await outcome(signIn, 'clerk', PASSWORD)).toBe(1);
    later(1);
    expect(await outcome(signIn, 'clerk', WRONG)).toBe('wrong');
    expect(await outcome(signIn, 'clerk', PASSWORD)).toBe(2);
    later(2);
    expect(await outcome(signIn, 'clerk', PASSWORD)).toBe('ok');
    // A success starts the count again; another user was never held.
    for (let i = 0; i < 5; i++) expect(await outcome(signIn, 'clerk', WRONG)).toBe('wrong');
    expect(await outcome(signIn, 'clerk', WRONG)).toBe(1);
    expect(await outcome(signIn, 'lead', PASSWORD)).toBe('ok');
  });

  it('doubles the lockout at each failure after, up to 15 minutes; attempts during one do not lengthen it', async () => {
    const signIn = await open();
    for (let i = 0; i < 5; i++) await outcome(signIn, 'clerk', WRONG);
    const lockouts: number[] = [];
    for (let i = 0; i < 13; i++) {
      const lockout = await outcome(signIn, 'clerk', PASSWORD);
      if (typeof lockout !== 'number') throw new Error(`not locked out: ${lockout}`);
      lockouts.push(lockout);
      later(lockout / 2);
      expect(await outcome(signIn, 'clerk', WRONG)).toBe(Math.ceil(lockout / 2));
      later(lockout / 2);
      expect(await outcome(signIn, 'clerk', WRONG)).toBe('wrong');
    }
    expect(lockouts).toEqual([1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900, 900]);
  });

  it('forgets a user’s failures 15 minutes after the last one', async () => {
    const signIn = await open();
    for (let i = 0; i < 4; i++) await outcome(signIn, 'clerk', WRONG);
    later(14 * 60);
    expect(await outcome(signIn, 'clerk', WRONG)).toBe('wrong');
    expect(await outcome(signIn, 'clerk', PASSWORD)).toBe(1);
    later(1);
    expect(await outcome(signIn, 'clerk', PASSWORD)).toBe('ok');
    for (let i = 0; i < 4; i++) await outcome(signIn, 'clerk', WRONG);
    later(15 * 60 + 1);
    for (let i = 0; i < 4; i++) expect(await outcome(signIn, 'clerk', WRONG)).toBe('wrong');
    expect(await outcome(signIn, 'clerk', PASSWORD)).toBe('ok');
  });

  it('locks an address out for 15 minutes after 30 failures at any users; another address signs in', async () => {
    const signIn = await open();
    for (let i = 0; i < 30; i++) expect(await outcome(signIn, `guess-${i}`, WRONG, '10.0.0.9')).toBe('wrong');
    expect(await outcome(signIn, 'clerk', PASSWORD, '10.0.0.9')).toBe(900);
    expect(await outcome(signIn, 'clerk', PASSWORD, '10.0.0.10')).toBe('ok');
    later(15 * 60);
    expect(await outcome(signIn, 'clerk', PASSWORD, '10.0.0.9')).toBe('ok');
    // Successes are not failures: an office's people sign in all day.
    for (let i = 0; i < 40; i++) expect(await outcome(signIn, 'lead', PASSWORD, '10.0.0.11')).toBe('ok');
  });

  it('holds guesses sent at once to the same counts', async () => {
    const signIn = await open();
    const atOnce = await Promise.all(Array.from({ length: 20 }, () => outcome(signIn, 'clerk', WRONG)));
    expect(atOnce.filter((o) => o === 'wrong')).toHaveLength(5);
    expect(atOnce.filter((o) => o === 1)).toHaveLength(15);
    const sprayed = await Promise.all(
      Array.from({ length: 40 }, (_, i) => outcome(signIn, `guess-${i}`, WRONG, '10.0.0.12')),
    );
    expect(sprayed.filter((o) => o === 'wrong')).toHaveLength(30);
    expect(sprayed.filter((o) => o === 900)).toHaveLength(10);
  });
});

describe('POST /auth/token when locked out', () => {
  it('answers 429 with Retry-After and the reason in Chinese, as other refusals', async () => {
    let url = '';
    const signIn = (
      await LocalSignIn.open(
        mkdtempSync(join(tmpdir(), 'cityops-throttle-')),
        () => url,
        [{ username: 'clerk', roles: ['intake_clerk'], password: PASSWORD }],
        { firstLockoutSeconds: 600 },
      )
    ).signIn;
    const server = await startApiServer({ host: '127.0.0.1', port: 0, routes: API_ROUTES, handlers: {}, signIn });
    url = server.url;
    try {
      const post = (password: string) =>
        fetch(`${url}/auth/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ username: 'clerk', password }),
        });
      for (let i = 0; i < 5; i++) expect((await post(WRONG)).status).toBe(401);
      const refused = await post(PASSWORD);
      expect(refused.status).toBe(429);
      const retryAfter = Number(refused.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThan(590);
      expect(retryAfter).toBeLessThanOrEqual(600);
      expect(await refused.json()).toEqual({
        error: 'too_many_attempts',
        message: 'too many failed sign-ins for this user: try again in 10 min',
        localMessage: '登录失败次数过多，请于10分钟后再试',
      });
    } finally {
      await server.stop();
    }
  });
});
