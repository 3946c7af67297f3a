import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { MediaStore } from '#shared/app/ports/media';
import {
  MEDIA_TYPES,
  snapshotOf,
  UPLOAD_TTL_MS,
  type MediaRequest,
  type MediaUpload,
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

  async find(mediaId: string): Promise<StoredMedia | undefined> {
    try {
      const head = await this.s3.send(new HeadObjectCommand({ Bucket: this.bucket, Key: keyOf(mediaId) }));
      // A snapshot's type is its name's (a camera may put it without one).
      const contentType = (snapshotOf(mediaId)?.contentType ?? head.ContentType) as StoredMedia['contentType'];
      if (!(contentType in MEDIA_TYPES)) return undefined;
      return { mediaId, contentType, size: head.ContentLength ?? 0 };
    } catch (error) {
      const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
      if (e.name === 'NotFound' || e.$metadata?.httpStatusCode === 404) return undefined;
      throw error;
    }
  }

  readUrl(mediaId: string, now: number): Promise<string> {
    const snapshot = snapshotOf(mediaId);
    const command = new GetObjectCommand({
      Bucket: this.bucket,
      Key: keyOf(mediaId),
      ...(snapshot ? { ResponseContentType: snapshot.contentType } : {}),
    });
    return getSignedUrl(this.s3, command, {
      expiresIn: 300,
      signingDate: new Date(now),
    });
  }
}
