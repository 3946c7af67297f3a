import type { MediaRequest, MediaUpload, StoredMedia } from '#shared/domain/media';

/** The media bucket: one-time uploads, and reading what was uploaded. */
export interface MediaStore {
  /** A one-time URL for exactly this type and size, good until `now` + the upload TTL. */
  createUpload(mediaId: string, request: MediaRequest, now: number): Promise<MediaUpload>;
  /** The media, once uploaded; none before. */
  find(mediaId: string): Promise<StoredMedia | undefined>;
  /** Where to read it (a short-lived URL in AWS). */
  readUrl(mediaId: string, now: number): Promise<string>;
}
