import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { SignInError } from '#shared/app/ports/identity';

/**
 * How many wrong passwords the local sign-in takes (`POST /auth/token`). Per user, the user
 * pool's own policy (Cognito's lockout for failed sign-ins): after 5 failures a lockout of 1
 * second, doubled at each further failure up to about 15 minutes; attempts during a lockout
 * are refused unchecked and do not lengthen it; a success, or 15 minutes without a failure
 * once the last lockout has ended, starts the count again. Per address (any users), what Cognito leaves to the network in
 * front of it: 30 failures in 15 minutes lock the address out for 15 minutes.
 */
export interface SignInPolicy {
  /** Failures of one user before the lockouts begin. */
  freeFailures: number;
  /** The lockout after the last free failure; each further failure doubles it. */
  firstLockoutSeconds: number;
  maxLockoutSeconds: number;
  /** A user's failures are forgotten after this long without one (counted from the end of its lockout). */
  forgetAfterSeconds: number;
  /** Failures from one address (any users) within `addressWindowSeconds` … */
  addressFailures: number;
  /** … after which the address is locked out for as long. */
  addressWindowSeconds: number;
}

export const SIGN_IN_POLICY: SignInPolicy = {
  freeFailures: 5,
  firstLockoutSeconds: 1,
  maxLockoutSeconds: 15 * 60,
  forgetAfterSeconds: 15 * 60,
  addressFailures: 30,
  addressWindowSeconds: 15 * 60,
};

/** A wait in words: `40 s` / `40秒`, `15 min` / `15分钟`. */
const waitIn = (seconds: number) =>
  seconds < 60
    ? { en: `${seconds} s`, zh: `${seconds}秒` }
    : { en: `${Math.ceil(seconds / 60)} min`, zh: `${Math.ceil(seconds / 60)}分钟` };

/** A sign-in refused unchecked, for too many failures of its user or from its address: a 429 with `Retry-After`. */
export class SignInThrottledError extends Error {
  readonly localMessage: string;

  constructor(
    /** Whole seconds until the lockout ends (at least 1). */
    readonly retryAfterSeconds: number,
    by: 'user' | 'address',
  ) {
    const wait = waitIn(retryAfterSeconds);
    super(`too many failed sign-ins ${by === 'user' ? 'for this user' : 'from this address'}: try again in ${wait.en}`);
    this.localMessage = `登录失败次数过多，请于${wait.zh}后再试`;
  }

  /** The answer's body, as other refusals': `{ error, message, localMessage }`. */
  get body() {
    return { error: 'too_many_attempts', message: this.message, localMessage: this.localMessage };
  }
}

const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

/**
 * The local sign-in's brake on password guessing (see {@link SignInPolicy}), with
 * `rate-limiter-flexible`'s in-memory limiters: a user's failures and current lockout, an
 * address's failures. A user's password checks run one at a time, so guesses sent at once
 * meet the lockout the ones before them earned; an address's attempt is counted before its
 * check (and given back unless it fails), so guesses at once at many users are held to the
 * address's count too. The limiters keep their own time (`Date.now`; tests move it with a
 * fake clock), in memory: a restart of the stack forgets them.
 */
export class SignInThrottle {
  private readonly failures: RateLimiterMemory;
  private readonly lockouts: RateLimiterMemory;
  private readonly addresses: RateLimiterMemory;
  /** The password check in progress per user (a chain: the next waits for it). */
  private readonly checking = new Map<string, Promise<unknown>>();

  constructor(private readonly policy: SignInPolicy = SIGN_IN_POLICY) {
    // Counted with penalty() (never refused), each failure's count kept forgetAfterSeconds.
    this.failures = new RateLimiterMemory({ keyPrefix: 'failures', points: 1, duration: policy.forgetAfterSeconds });
    this.lockouts = new RateLimiterMemory({ keyPrefix: 'lockout', points: 1, duration: 1 });
    this.addresses = new RateLimiterMemory({
      keyPrefix: 'address',
      points: policy.addressFailures,
      duration: policy.addressWindowSeconds,
      blockDuration: policy.addressWindowSeconds,
    });
  }

  /**
   * Runs a password check for `username` from `address` unless either is locked out (a
   * {@link SignInThrottledError}); a `SignInError` from the check counts as a failure.
   */
  async attempt<T>(username: string, address: string, check: () => Promise<T>): Promise<T> {
    try {
      await this.addresses.consume(address);
    } catch (refused) {
      if (refused instanceof RateLimiterRes) throw new SignInThrottledError(seconds(refused.msBeforeNext), 'address');
      throw refused;
    }
    let failed = false;
    try {
      return await this.oneAtATime(username, async () => {
        const lockout = await this.lockouts.get(username);
        if (lockout && lockout.consumedPoints > 1 && lockout.msBeforeNext > 0)
          throw new SignInThrottledError(seconds(lockout.msBeforeNext), 'user');
        try {
          const result = await check();
          await Promise.all([this.failures.delete(username), this.lockouts.delete(username)]);
          return result;
        } catch (error) {
          if (error instanceof SignInError) {
            failed = true;
            await this.failed(username);
          }
          throw error;
        }
      });
    } finally {
      // Only a failed check counts against the address: a success, or an attempt refused unchecked, is given back.
      if (!failed) await this.addresses.reward(address);
    }
  }

  private async failed(username: string): Promise<void> {
    const { consumedPoints: failures } = await this.failures.penalty(username);
    const beyond = failures - this.policy.freeFailures;
    const lockout =
      beyond < 0
        ? 0
        : Math.min(this.policy.firstLockoutSeconds * 2 ** Math.min(beyond, 30), this.policy.maxLockoutSeconds);
    if (lockout) await this.lockouts.block(username, lockout);
    // Forgotten forgetAfterSeconds after the last failure's lockout ends (not after the first failure).
    await this.failures.set(username, failures, lockout + this.policy.forgetAfterSeconds);
  }

  private async oneAtATime<T>(key: string, run: () => Promise<T>): Promise<T> {
    const before = this.checking.get(key) ?? Promise.resolve();
    const mine = before.catch(() => undefined).then(run);
    this.checking.set(key, mine);
    try {
      return await mine;
    } finally {
      if (this.checking.get(key) === mine) this.checking.delete(key);
    }
  }
}
