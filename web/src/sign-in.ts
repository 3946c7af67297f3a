import type { AppConfig } from '../../shared/app/page-config.ts';
import type { Locale } from '../../shared/domain/locales.ts';
import type { Role } from '../../shared/domain/case/actors.ts';
import { call } from './api.ts';
import { Refusal } from './refusal-words.ts';
import type { KeptSignIn, SignedIn } from './session.ts';

/**
 * Signing in, for every page: with a password (the local stack's `POST /auth/token`), or,
 * where the service runs in AWS (`/app/config.json` says `hosted`), through the operators'
 * user pool's hosted sign-in, OAuth 2.0 authorization code with PKCE (a public client, no
 * secret), back to the page that asked. The ID token (roles in `cognito:groups`, unit in
 * `custom:unit`) is the person's token. A page keeps it for the tab or on the device
 * ({@link Keeping}) until a minute before it expires.
 */
export type SignInConfig = AppConfig['signIn'];
type Hosted = Extract<SignInConfig, { kind: 'hosted' }>;

/** What the sign-in says, in the page's language. */
export const SIGN_IN_WORDS: Record<Locale, Record<'failed' | 'mismatch' | 'refused' | 'config', string>> = {
  'zh-CN': {
    failed: '登录未成功（{why}）',
    mismatch: '登录回应与请求不符，请重新登录',
    refused: '登录被拒绝（{why}），请重新登录',
    config: '无法读取登录配置',
  },
  en: {
    failed: 'sign-in did not succeed ({why})',
    mismatch: 'the sign-in answer does not match its request: sign in again',
    refused: 'sign-in refused ({why}): sign in again',
    config: 'cannot read how to sign in',
  },
};

export async function readSignInConfig(locale: Locale = 'zh-CN'): Promise<SignInConfig> {
  const response = await fetch('/app/config.json', { cache: 'no-store' });
  if (!response.ok) throw new Refusal(response.status, SIGN_IN_WORDS[locale].config);
  return ((await response.json()) as AppConfig).signIn;
}

/** Where a page keeps its sign-in: the workbench for the tab, the field app on the phone (its queue outlives the tab). */
export type Keeping = 'tab' | 'device';
const TOKEN_KEY = 'cityops.signed-in';
const storage = (keeping: Keeping) => (keeping === 'device' ? localStorage : sessionStorage);

/** The sign-in this page keeps, while its token has more than a minute to run. */
function savedSignIn(keeping: Keeping, now = Date.now()): SignedIn | undefined {
  const saved = JSON.parse(storage(keeping).getItem(TOKEN_KEY) ?? 'null') as (SignedIn & { until: number }) | null;
  return saved && saved.until > now ? saved : undefined;
}

function signOut(keeping: Keeping): void {
  storage(keeping).removeItem(TOKEN_KEY);
}

/** The sign-in a page keeps, for its session (session.ts). */
export const keptSignIn = (keeping: Keeping): KeptSignIn => ({
  read: () => savedSignIn(keeping),
  forget: () => signOut(keeping),
});

/** Keeps a sign-in until a minute before its token expires. */
function keepSignIn(who: SignedIn, expiresInSeconds: number, keeping: Keeping): void {
  storage(keeping).setItem(TOKEN_KEY, JSON.stringify({ ...who, until: Date.now() + (expiresInSeconds - 60) * 1000 }));
}

/** Signs in with a password (the local stack's `POST /auth/token`). */
export async function signIn(
  username: string,
  password: string,
  keeping: Keeping,
  locale: Locale = 'zh-CN',
): Promise<SignedIn> {
  const body = await call<{ idToken: string; expiresIn: number; user: SignedIn['user'] }>(
    undefined,
    '/auth/token',
    { method: 'POST', body: JSON.stringify({ username, password }) },
    locale,
  );
  const signedIn = { token: body.idToken, user: body.user };
  keepSignIn(signedIn, body.expiresIn, keeping);
  return signedIn;
}

const PKCE_KEY = 'cityops.pkce';
const b64url = (bytes: ArrayBuffer | Uint8Array) =>
  btoa(String.fromCharCode(...new Uint8Array(bytes)))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
const backTo = () => location.origin + location.pathname;

/** To the hosted sign-in, with a fresh verifier and state (and the page's query) kept for the way back. */
export async function goToHostedSignIn(hosted: Hosted): Promise<void> {
  const verifier = b64url(crypto.getRandomValues(new Uint8Array(32)));
  const state = b64url(crypto.getRandomValues(new Uint8Array(16)));
  sessionStorage.setItem(PKCE_KEY, JSON.stringify({ verifier, state, search: location.search }));
  const challenge = b64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
  const query = new URLSearchParams({
    response_type: 'code',
    client_id: hosted.clientId,
    redirect_uri: backTo(),
    scope: 'openid',
    state,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  });
  location.assign(`${hosted.domain}/oauth2/authorize?${query}`);
}

/** The claims of a token (its middle part), unverified: the API verifies it; the page only reads who it is. */
const claimsOf = (token: string): Record<string, unknown> =>
  JSON.parse(
    new TextDecoder().decode(
      Uint8Array.from(atob(token.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0)),
    ),
  ) as Record<string, unknown>;

/**
 * Back from the hosted sign-in with a code: exchanged for the tokens, the person signed in
 * and the page's address as it was (its query, without the code); none without a code.
 */
export async function returnFromHostedSignIn(
  hosted: Hosted,
  keeping: Keeping,
  locale: Locale = 'zh-CN',
): Promise<SignedIn | undefined> {
  const say = SIGN_IN_WORDS[locale];
  const params = new URLSearchParams(location.search);
  if (!params.has('code') && !params.has('error')) return undefined;
  const pkce = JSON.parse(sessionStorage.getItem(PKCE_KEY) ?? 'null') as {
    verifier: string;
    state: string;
    search?: string;
  } | null;
  sessionStorage.removeItem(PKCE_KEY);
  history.replaceState(null, '', location.pathname + (pkce?.search ?? ''));
  if (params.has('error')) {
    const why = [params.get('error'), params.get('error_description')].filter(Boolean).join(': ');
    throw new Refusal(401, say.failed.replace('{why}', why));
  }
  if (!pkce || pkce.state !== params.get('state')) throw new Refusal(401, say.mismatch);
  const response = await fetch(`${hosted.domain}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      client_id: hosted.clientId,
      code: params.get('code')!,
      redirect_uri: backTo(),
      code_verifier: pkce.verifier,
    }),
  });
  if (!response.ok) throw new Refusal(response.status, say.refused.replace('{why}', String(response.status)));
  const tokens = (await response.json()) as { id_token: string; expires_in: number };
  const claims = claimsOf(tokens.id_token);
  const who: SignedIn = {
    token: tokens.id_token,
    user: {
      username: String(claims['cognito:username'] ?? claims.sub),
      ...(typeof claims.name === 'string' ? { name: claims.name } : {}),
      roles: (claims['cognito:groups'] as Role[] | undefined) ?? [],
      ...(typeof claims['custom:unit'] === 'string' ? { unitId: claims['custom:unit'] } : {}),
    },
  };
  keepSignIn(who, tokens.expires_in, keeping);
  return who;
}
