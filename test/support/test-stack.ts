import { inject } from 'vitest';
import { quietObserver, startLocalStack, type LocalStackOptions } from '#infra/local/stack';

/**
 * A local stack for a test: on the run's DynamoDB Local with tables of its own (`name` and
 * a random suffix), on ports the system picks, with a quiet log, and with functions'
 * execution environments recycled after about one invocation in three (nothing may live
 * in one environment's memory); the test says the rest.
 */
export function testStack(name: string, options: Pick<LocalStackOptions, 'clock'> & Partial<LocalStackOptions>) {
  return startLocalStack({
    dynamoEndpoint: inject('dynamoEndpoint'),
    tablePrefix: `${name}-${Math.random().toString(36).slice(2, 8)}-`,
    mqttPort: 0,
    apiPort: 0,
    observer: quietObserver(),
    recycleRate: 0.3,
    // No sample users (their password hashing costs a second); tests sign in with the stack's tokens.
    users: [],
    ...options,
  });
}
