import type { DistrictAssessment } from '../../shared/app/assessment-service.ts';
import type { DistrictMap } from '../../shared/app/district-map.ts';
import type { Case } from '../../shared/domain/case/model.ts';
import type { Role } from '../../shared/domain/case/actors.ts';
import { refusalWords } from './refusal-words.ts';

/**
 * The pages' calls to the ops API they are served by (the same origin): sign-in, the
 * district's desk, a case and its actions, reports and photos, the assessment. Each is
 * made with the person's token, at the routes that take one (`/map`, a case's
 * transitions, and the `/staff` addresses of the others: see
 * functions/ops-api/staff-routes.ts).
 */

export interface SignedIn {
  token: string;
  user: { username: string; name?: string; roles: Role[]; unitId?: string };
}

/** An answer the API refused, with its words (a 400's reason, a 403's rule); `status` 0: no network. */
export class Refusal extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** A fetch whose failure to reach the network is a {@link Refusal} with status 0. */
async function reach(url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (error) {
    throw new Refusal(0, `无网络连接（${(error as Error).message}）`);
  }
}

async function call<T>(who: SignedIn | undefined, path: string, init: RequestInit = {}): Promise<T> {
  const response = await reach(path, {
    cache: 'no-store',
    ...init,
    headers: {
      ...(init.body ? { 'content-type': 'application/json' } : {}),
      ...(who ? { authorization: `Bearer ${who.token}` } : {}),
      ...init.headers,
    },
  });
  const body = (await response.json().catch(() => null)) as { message?: string; localMessage?: string } | null;
  if (!response.ok) throw new Refusal(response.status, refusalWords(response.status, body));
  return body as T;
}

/** Where a page keeps its sign-in: the workbench for the tab, the field app on the phone (its queue outlives the tab). */
export type Keeping = 'tab' | 'device';
const TOKEN_KEY = 'cityops.signed-in';
const storage = (keeping: Keeping) => (keeping === 'device' ? localStorage : sessionStorage);

export function savedSignIn(keeping: Keeping): SignedIn | undefined {
  const saved = JSON.parse(storage(keeping).getItem(TOKEN_KEY) ?? 'null') as (SignedIn & { until: number }) | null;
  return saved && saved.until > Date.now() ? saved : undefined;
}

export function signOut(keeping: Keeping): void {
  storage(keeping).removeItem(TOKEN_KEY);
}

/** Keeps a sign-in until a minute before its token expires. */
export function keepSignIn(who: SignedIn, expiresInSeconds: number, keeping: Keeping): void {
  storage(keeping).setItem(TOKEN_KEY, JSON.stringify({ ...who, until: Date.now() + (expiresInSeconds - 60) * 1000 }));
}

/** Signs in with a password (the local stack's `POST /auth/token`; in AWS, see hosted-sign-in.ts). */
export async function signIn(username: string, password: string, keeping: Keeping): Promise<SignedIn> {
  const body = await call<{ idToken: string; expiresIn: number; user: SignedIn['user'] }>(undefined, '/auth/token', {
    method: 'POST',
    body: JSON.stringify({ username, password }),
  });
  const signedIn = { token: body.idToken, user: body.user };
  keepSignIn(signedIn, body.expiresIn, keeping);
  return signedIn;
}

/** The district's desk: its units, classes, grids, routes and active cases (GET /map). */
export const readDesk = (who: SignedIn): Promise<DistrictMap> => call(who, '/map');

/** How many cases a view reads at most (20 pages of 500); past it, it says it shows the newest only. */
export const MOST_CASES = 10_000;

/**
 * Cases of the district (GET /cases with a query: `since=`, `status=`…), newest first,
 * page after page of 500 up to {@link MOST_CASES}; `complete` false when there were more.
 */
export async function listCases(who: SignedIn, query: string): Promise<{ items: Case[]; complete: boolean }> {
  const items: Case[] = [];
  let next: string | undefined;
  do {
    const page = await call<{ items: Case[]; nextToken?: string }>(
      who,
      `/staff/cases?${query}&limit=500${next ? `&nextToken=${encodeURIComponent(next)}` : ''}`,
    );
    items.push(...page.items);
    next = page.nextToken;
  } while (next && items.length < MOST_CASES);
  return { items, complete: !next };
}

export const act = (who: SignedIn, caseId: string, body: Record<string, unknown>): Promise<Case> =>
  call(who, `/cases/${encodeURIComponent(caseId)}/transitions`, { method: 'POST', body: JSON.stringify(body) });

export interface ReportAnswer {
  outcome: 'received' | 'merged' | 'refused' | 'duplicate';
  case: Case;
}

/** A person's report (POST /cases/reports); with its `externalId` a retry is never a second report. */
export const sendReport = (who: SignedIn, body: Record<string, unknown>): Promise<ReportAnswer> =>
  call(who, '/staff/cases/reports', { method: 'POST', body: JSON.stringify(body) });

/** Uploads a photo: a one-time URL from POST /media, then the body put there; its media id. */
export async function uploadPhoto(who: SignedIn, photo: Blob): Promise<string> {
  const upload = await call<{ mediaId: string; uploadUrl: string; headers: Record<string, string> }>(
    who,
    '/staff/media',
    {
      method: 'POST',
      body: JSON.stringify({ contentType: photo.type || 'image/jpeg', size: photo.size }),
    },
  );
  const put = await reach(upload.uploadUrl, { method: 'PUT', headers: upload.headers, body: photo });
  if (!put.ok) throw new Refusal(put.status, `照片上传失败（${put.status}）`);
  return upload.mediaId;
}

/** A photo, read with the person's token (GET /staff/media/{id} answers where it is; the browser follows): as a blob. */
export async function readPhoto(who: SignedIn, mediaId: string): Promise<Blob> {
  const response = await reach(`/staff/media/${encodeURIComponent(mediaId)}`, {
    headers: { authorization: `Bearer ${who.token}` },
  });
  if (!response.ok) throw new Refusal(response.status, `照片无法读取（${response.status}）`);
  return response.blob();
}

export const readAssessment = (who: SignedIn, query: string): Promise<DistrictAssessment> =>
  call(who, `/staff/assessment?${query}`);
