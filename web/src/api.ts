import type { Case } from '../../shared/domain/cases.ts';
import type { Role } from '../../shared/domain/roles.ts';

/** The workbench's calls to the ops API it is served by (the same origin): sign-in, the desk, a case's action. */

export interface SignedIn {
  token: string;
  user: { username: string; name?: string; roles: Role[]; unitId?: string };
}

const TOKEN_KEY = 'cityops.workbench';

/** An answer the API refused, with its words (a 400's reason, a 403's rule). */
export class Refusal extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function answer<T>(response: Response): Promise<T> {
  const body = (await response.json().catch(() => null)) as { message?: string } | null;
  if (!response.ok) throw new Refusal(response.status, body?.message ?? `${response.status}`);
  return body as T;
}

export function savedSignIn(): SignedIn | undefined {
  const saved = JSON.parse(sessionStorage.getItem(TOKEN_KEY) ?? 'null') as (SignedIn & { until: number }) | null;
  return saved && saved.until > Date.now() ? saved : undefined;
}

export function signOut(): void {
  sessionStorage.removeItem(TOKEN_KEY);
}

export async function signIn(username: string, password: string): Promise<SignedIn> {
  const body = await answer<{ idToken: string; expiresIn: number; user: SignedIn['user'] }>(
    await fetch('/auth/token', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password }),
    }),
  );
  const signedIn = { token: body.idToken, user: body.user };
  sessionStorage.setItem(TOKEN_KEY, JSON.stringify({ ...signedIn, until: Date.now() + (body.expiresIn - 60) * 1000 }));
  return signedIn;
}

/** The district's desk: its active cases (GET /map). */
export interface Desk {
  district: { districtId: string; name: string; timeZone: string; locale: string };
  generatedAt: number;
  cases: Case[];
}

export async function readDesk(who: SignedIn): Promise<Desk> {
  return answer<Desk>(await fetch('/map', { cache: 'no-store', headers: { authorization: `Bearer ${who.token}` } }));
}

export async function act(who: SignedIn, caseId: string, body: Record<string, unknown>): Promise<Case> {
  return answer<Case>(
    await fetch(`/cases/${encodeURIComponent(caseId)}/transitions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${who.token}` },
      body: JSON.stringify(body),
    }),
  );
}
