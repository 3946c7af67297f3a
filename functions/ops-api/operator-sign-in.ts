import type { OperatorSignIn } from '#shared/app/page-config';

/** The environment variables that tell the ops API where operators sign in (set on it by the CDK app). */
export const SIGN_IN_ENV = { domain: 'OPS_SIGN_IN_DOMAIN', clientId: 'OPS_SIGN_IN_CLIENT_ID' } as const;

/** Where operators sign in, from the function's environment; none (the pages sign in with a password) without it. */
export function signInFromEnv(env: Record<string, string | undefined>): OperatorSignIn | undefined {
  const domain = env[SIGN_IN_ENV.domain];
  const clientId = env[SIGN_IN_ENV.clientId];
  return domain && clientId ? { domain, clientId } : undefined;
}
