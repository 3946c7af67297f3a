import type { MediaRequest, MediaUpload, RefusedMedia, StoredMedia } from '#shared/domain/media';

/** The media bucket: one-time uploads, and reading what was uploaded. */
export interface MediaStore {
  /** A one-time URL for exactly this type and size, good until `now` + the upload TTL. */
  createUpload(mediaId: string, request: MediaRequest, now: number): Promise<MediaUpload>;
  /**
   * The media, once uploaded, checked by its bytes (`mediaBytesProblem`); none before. A
   * body that is not what it was put as is refused: never read back, never attached.
   */
  find(mediaId: string): Promise<StoredMedia | RefusedMedia | undefined>;
  /** Where to read it (a short-lived URL in AWS). */
  readUrl(media: StoredMedia, now: number): Promise<string>;
}
