import type { MediaStore } from '#shared/app/ports/media';
import type { Clock } from '#shared/domain/clock';
import { isMediaId, MediaRequest } from '#shared/domain/media';
import { HttpError, json, jsonBody, parseRequest, type RouteHandler } from './http-router.ts';

export interface MediaRouteDeps {
  media: MediaStore;
  newMediaId: () => string;
  clock: Clock;
}

/**
 * `POST /media`: a one-time upload URL for a photo or a video of the type and size given
 * (the body goes straight to the bucket, not through the API); `GET /media/{mediaId}`:
 * a redirect to where it can be read.
 */
export const mediaRoutes = (deps: MediaRouteDeps): Record<string, RouteHandler> => ({
  'POST /media': async (event) => {
    const request = parseRequest(MediaRequest, jsonBody(event, '{ "contentType", "size" }'));
    return json(201, await deps.media.createUpload(deps.newMediaId(), request, deps.clock.now()));
  },
  'GET /media/{mediaId}': async (event) => {
    const mediaId = event.pathParameters?.mediaId ?? '';
    const found = isMediaId(mediaId) ? await deps.media.find(mediaId) : undefined;
    if (!found) throw new HttpError(404, 'not_found', `no media "${mediaId}"`);
    // Bytes that are not the type they were put as are never handed out.
    if ('refused' in found) throw new HttpError(404, 'not_found', found.refused);
    const location = await deps.media.readUrl(found, deps.clock.now());
    return { statusCode: 302, headers: { location, 'cache-control': 'no-store' }, body: '' };
  },
});
