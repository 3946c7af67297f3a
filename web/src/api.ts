import type { DistrictAssessment } from '../../shared/app/assessment-service.ts';
import type { DistrictMap } from '../../shared/app/district-map.ts';
import type { Case } from '../../shared/domain/case/model.ts';
import type { Locale } from '../../shared/domain/locales.ts';
import { Refusal, refusalWords } from './refusal-words.ts';
import type { SignedIn } from './session.ts';

/**
 * The pages' calls to the ops API they are served by (the same origin; signing in is
 * sign-in.ts): the district's desk, a case and its actions, reports and photos, the assessment. Each is
 * made with the person's token, at the routes that take one (`/map`, a case's
 * transitions, and the `/staff` addresses of the others: see
 * functions/ops-api/staff-routes.ts).
 */

/** A fetch whose failure to reach the network is a {@link Refusal} with status 0. */
async function reach(url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (error) {
    throw new Refusal(0, `无网络连接（${(error as Error).message}）`);
  }
}

/** A call to the API, with the person's token where there is one; a refusal in the page's language. */
export async function call<T>(
  who: SignedIn | undefined,
  path: string,
  init: RequestInit = {},
  locale: Locale = 'zh-CN',
): Promise<T> {
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
  if (!response.ok) throw new Refusal(response.status, refusalWords(response.status, body, locale));
  return body as T;
}

/** The district's desk: its units, classes, grids, routes and active cases (GET /map; another district's by its id). */
export const readDesk = (who: SignedIn, districtId?: string, locale?: Locale): Promise<DistrictMap> =>
  call(who, districtId ? `/map?districtId=${encodeURIComponent(districtId)}` : '/map', {}, locale);

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
