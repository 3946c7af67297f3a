import type { AppConfig } from '../../functions/ops-api/app-routes.ts';
import type { Role } from '../../shared/domain/case/actors.ts';
import { type Keeping, keepSignIn, Refusal, type SignedIn } from './api.ts';

/**
 * Signing in where the service runs in AWS: the operators' user pool's hosted sign-in,
 * OAuth 2.0 authorization code with PKCE (a public client, no secret), back to the page
 * that asked; the ID token (roles in `cognito:groups`, unit in `custom:unit`) is the
 * person's token. Locally (`/app/config.json` says `password`) people sign in with a
 * password instead.
 */
export type SignInConfig = AppConfig['signIn'];
type Hosted = Extract<SignInConfig, { kind: 'hosted' }>;

export async function readSignInConfig(): Promise<SignInConfig> {
  const response = await fetch('/app/config.json', { cache: 'no-store' });
  if (!response.ok) throw new Refusal(response.status, '无法读取登录配置');
  return ((await response.json()) as AppConfig).signIn;
}

const PKCE_KEY = 'cityops.pkce';
const b64url = (bytes: ArrayBuffer | Uint8Array) =>
  btoa(String.fromCharCode(...new Uint8Array(bytes)))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
const backTo = () => location.origin + location.pathname;

/** To the hosted sign-in, with a fresh verifier and state kept for the way back. */
export async function goToHostedSignIn(hosted: Hosted): Promise<void> {
  const verifier = b64url(crypto.getRandomValues(new Uint8Array(32)));
  const state = b64url(crypto.getRandomValues(new Uint8Array(16)));
  sessionStorage.setItem(PKCE_KEY, JSON.stringify({ verifier, state }));
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

/** Back from the hosted sign-in with a code: exchanged for the tokens, the person signed in; none without a code. */
export async function returnFromHostedSignIn(hosted: Hosted, keeping: Keeping): Promise<SignedIn | undefined> {
  const params = new URLSearchParams(location.search);
  if (!params.has('code') && !params.has('error')) return undefined;
  history.replaceState(null, '', location.pathname);
  if (params.has('error'))
    throw new Refusal(401, `登录未成功（${params.get('error_description') ?? params.get('error')}）`);
  const pkce = JSON.parse(sessionStorage.getItem(PKCE_KEY) ?? 'null') as { verifier: string; state: string } | null;
  sessionStorage.removeItem(PKCE_KEY);
  if (!pkce || pkce.state !== params.get('state')) throw new Refusal(401, '登录回应与请求不符，请重新登录');
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
  if (!response.ok) throw new Refusal(response.status, `登录被拒绝（${response.status}），请重新登录`);
  const tokens = (await response.json()) as { id_token: string; expires_in: number };
  const claims = JSON.parse(
    new TextDecoder().decode(
      Uint8Array.from(atob(tokens.id_token.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/')), (c) =>
        c.charCodeAt(0),
      ),
    ),
  ) as Record<string, unknown>;
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
