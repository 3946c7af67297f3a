import type { Clock } from '#shared/domain/clock';

export const systemClock: Clock = { now: () => Date.now() };

/**
 * A clock that starts at `start` and runs `speed` times faster than real time.
 * The local stack and the fleet use it to reach a sweeping window's close in seconds.
 */
export function virtualClock(start: number, speed: number, real: Clock = systemClock): Clock & { speed: number } {
  if (!Number.isFinite(start)) throw new Error('virtual clock start must be a time');
  if (!(speed > 0)) throw new Error('virtual clock speed must be a positive factor');
  const realStart = real.now();
  return { speed, now: () => Math.round(start + (real.now() - realStart) * speed) };
}

/** The clock for `--clock <ISO time>` and `--speed <factor>`: the system clock when neither is given. */
export function clockFromOptions(options: { clock?: string; speed?: string }): Clock & { speed: number } {
  if (options.clock === undefined && options.speed === undefined) return { ...systemClock, speed: 1 };
  const start = options.clock === undefined ? Date.now() : Date.parse(options.clock);
  if (Number.isNaN(start))
    throw new Error(`--clock "${options.clock}" is not an ISO time (for example 2026-11-27T05:00:00+08:00)`);
  const speed = options.speed === undefined ? 1 : Number(options.speed);
  if (!(speed > 0) || !Number.isFinite(speed)) throw new Error(`--speed "${options.speed}" must be a positive number`);
  return virtualClock(start, speed);
}
