import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { MediaStore } from '#shared/app/ports/media';
import {
  MEDIA_HEAD_BYTES,
  MEDIA_TYPES,
  mediaBytesProblem,
  mediaFileName,
  snapshotOf,
  UPLOAD_TTL_MS,
  type MediaRequest,
  type MediaUpload,
  type RefusedMedia,
  type StoredMedia,
} from '#shared/domain/media';

/** An upload's key (`media/<id>`), or a camera's snapshot's (`snapshots/<thing>/<file>`). */
const keyOf = (mediaId: string) => snapshotOf(mediaId)?.key ?? `media/${mediaId}`;

/**
 * The media bucket. An upload URL is a presigned PUT that signs the type, the exact length
 * and `If-None-Match: *`: S3 refuses another type or size (the signature does not match)
 * and a second put to the same key (412, a conditional write), so the URL is good once.
 * Cameras' snapshots are read from `snapshots/<thing>/<file>`, where cameras put them.
 */
export class S3MediaStore implements MediaStore {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
  ) {}

  async createUpload(mediaId: string, request: MediaRequest, now: number): Promise<MediaUpload> {
    const headers = {
      'content-type': request.contentType,
      'content-length': String(request.size),
      'if-none-match': '*',
    };
    const uploadUrl = await getSignedUrl(
      this.s3,
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: keyOf(mediaId),
        ContentType: request.contentType,
        ContentLength: request.size,
        IfNoneMatch: '*',
      }),
      { expiresIn: UPLOAD_TTL_MS / 1000, signingDate: new Date(now), signableHeaders: new Set(Object.keys(headers)) },
    );
    return { mediaId, uploadUrl, method: 'PUT', headers, expiresAt: now + UPLOAD_TTL_MS };
  }

  /**
   * The object's first bytes (one ranged GET, at most {@link MEDIA_HEAD_BYTES}), checked
   * against the type it was put as: a presigned PUT cannot look at what it takes.
   */
  async find(mediaId: string): Promise<StoredMedia | RefusedMedia | undefined> {
    try {
      const object = await this.s3.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: keyOf(mediaId), Range: `bytes=0-${MEDIA_HEAD_BYTES - 1}` }),
      );
      // A snapshot's type is its name's (a camera may put it without one).
      const contentType = (snapshotOf(mediaId)?.contentType ?? object.ContentType) as StoredMedia['contentType'];
      const bytes = (await object.Body?.transformToByteArray()) ?? new Uint8Array();
      if (!(contentType in MEDIA_TYPES)) return undefined;
      const refused = mediaBytesProblem(contentType, bytes);
      if (refused) return { mediaId, refused };
      // The whole object's length: `bytes 0-262143/5242880`.
      const total = Number(/\/(\d+)$/.exec(object.ContentRange ?? '')?.[1] ?? object.ContentLength ?? 0);
      return { mediaId, contentType, size: total };
    } catch (error) {
      const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
      if (e.name === 'NoSuchKey' || e.name === 'NotFound' || e.$metadata?.httpStatusCode === 404) return undefined;
      throw error;
    }
  }

  readUrl(media: StoredMedia, now: number): Promise<string> {
    const command = new GetObjectCommand({
      Bucket: this.bucket,
      Key: keyOf(media.mediaId),
      // The type find() checked, shown inline under a name of the API's making (S3 cannot add nosniff).
      ResponseContentType: media.contentType,
      ResponseContentDisposition: `inline; filename="${mediaFileName(media.mediaId, media.contentType)}"`,
    });
    return getSignedUrl(this.s3, command, { expiresIn: 300, signingDate: new Date(now) });
  }
}
