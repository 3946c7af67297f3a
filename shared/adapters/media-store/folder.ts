import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { MediaStore } from '#shared/app/ports/media';
import {
  MEDIA_HEAD_BYTES,
  MEDIA_ID,
  mediaBytesProblem,
  MEDIA_TYPES,
  snapshotOf,
  UPLOAD_TTL_MS,
  type MediaRequest,
  type MediaUpload,
  type RefusedMedia,
  type StoredMedia,
} from '#shared/domain/media';

interface Pending {
  contentType: string;
  size: number;
  token: string;
  expiresAt: number;
}

/**
 * Writes a body to `file`, refusing it (413, `tooLarge`) once more than `max` bytes came;
 * a refused or broken body leaves no file. Answers the bytes written.
 */
async function writeAtMost(body: NodeJS.ReadableStream, file: string, max: number, tooLarge: string): Promise<number> {
  let size = 0;
  await pipeline(
    body,
    async function* (source: AsyncIterable<Buffer | string>) {
      for await (const chunk of source) {
        size += Buffer.byteLength(chunk);
        if (size > max) throw new UploadRefusedError(413, tooLarge);
        yield chunk;
      }
    },
    createWriteStream(file),
  ).catch(async (error) => {
    await rm(file, { force: true });
    throw error;
  });
  return size;
}

/** A file's first {@link MEDIA_HEAD_BYTES}, as a ranged GET reads an object's. */
async function head(path: string): Promise<Uint8Array> {
  const file = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(MEDIA_HEAD_BYTES);
    const { bytesRead } = await file.read(buffer, 0, MEDIA_HEAD_BYTES, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await file.close();
  }
}

/** Why an upload was refused, as the bucket's HTTP answer. */
export class UploadRefusedError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The local stand-in for the media bucket: `<folder>/<id>` (the body) and `<id>.json` (its
 * type and size). An upload URL is the local API's `/bucket/media/<id>?token=…`, good once:
 * its pending record is claimed (renamed) by the first PUT, so a second one, even at the
 * same moment, is refused, as S3 refuses a second conditional put. The body must be the
 * type and length the URL was made for.
 *
 * Cameras' snapshots are `<snapshots>/<thing>/<file>` (the bucket's `snapshots/` prefix),
 * put by `PUT /bucket/snapshots/<thing>/<file>` on the local API.
 */
export class FolderMediaStore implements MediaStore {
  constructor(
    private readonly folder: string,
    private readonly baseUrl: () => string,
    private readonly snapshots?: string,
  ) {}

  private path(mediaId: string, suffix = ''): string {
    if (!MEDIA_ID.test(mediaId)) throw new UploadRefusedError(404, `no media "${mediaId}"`);
    return join(this.folder, `${mediaId}${suffix}`);
  }

  async createUpload(mediaId: string, request: MediaRequest, now: number): Promise<MediaUpload> {
    await mkdir(this.folder, { recursive: true });
    const pending: Pending = { ...request, token: randomBytes(16).toString('hex'), expiresAt: now + UPLOAD_TTL_MS };
    await writeFile(this.path(mediaId, '.pending.json'), JSON.stringify(pending), { flag: 'wx' });
    return {
      mediaId,
      uploadUrl: `${this.baseUrl()}/bucket/media/${mediaId}?token=${pending.token}`,
      method: 'PUT',
      headers: { 'content-type': request.contentType },
      expiresAt: pending.expiresAt,
    };
  }

  /** A PUT to an upload URL: the body is kept if the URL is good, unused, and the body is what it was made for. */
  async receive(
    mediaId: string,
    token: string | null,
    contentType: string | undefined,
    body: NodeJS.ReadableStream,
    now: number,
  ): Promise<StoredMedia> {
    const pendingPath = this.path(mediaId, '.pending.json');
    const claimed = this.path(mediaId, '.claimed.json');
    try {
      await rename(pendingPath, claimed);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      if (await this.find(mediaId)) throw new UploadRefusedError(409, 'this upload URL was used already');
      if (
        await readFile(claimed).then(
          () => true,
          () => false,
        )
      )
        throw new UploadRefusedError(409, 'an upload to this URL is under way');
      throw new UploadRefusedError(404, `no upload for "${mediaId}"`);
    }
    const pending = JSON.parse(await readFile(claimed, 'utf8')) as Pending;
    const giveBack = () => rename(claimed, pendingPath);
    try {
      if (token !== pending.token) throw new UploadRefusedError(403, 'the upload URL’s token does not match');
      if (now > pending.expiresAt) throw new UploadRefusedError(403, 'the upload URL has expired');
      if (contentType?.split(';')[0]?.trim().toLowerCase() !== pending.contentType)
        throw new UploadRefusedError(415, `this upload URL takes ${pending.contentType}, not ${contentType ?? 'none'}`);
      const part = this.path(mediaId, '.part');
      const received = await writeAtMost(
        body,
        part,
        pending.size,
        `this upload URL takes ${pending.size} bytes, and more came`,
      );
      if (received !== pending.size) {
        await rm(part, { force: true });
        throw new UploadRefusedError(400, `this upload URL takes ${pending.size} bytes, and ${received} came`);
      }
      const stored: StoredMedia = {
        mediaId,
        contentType: pending.contentType as StoredMedia['contentType'],
        size: received,
      };
      await rename(part, this.path(mediaId));
      await writeFile(this.path(mediaId, '.json'), JSON.stringify(stored));
      await rm(claimed, { force: true });
      return stored;
    } catch (error) {
      // A refused body leaves the URL usable until it expires (S3 keeps nothing of a refused put either).
      await giveBack().catch(() => undefined);
      throw error;
    }
  }

  async find(mediaId: string): Promise<StoredMedia | RefusedMedia | undefined> {
    const stored = await this.stored(mediaId);
    if (!stored) return undefined;
    const refused = mediaBytesProblem(stored.contentType, await head(this.contentPath(mediaId)));
    return refused ? { mediaId, refused } : stored;
  }

  /** What was put, by its record (an upload) or its name (a snapshot), before its bytes are checked. */
  private async stored(mediaId: string): Promise<StoredMedia | undefined> {
    const snapshot = snapshotOf(mediaId);
    if (snapshot) {
      if (!this.snapshots) return undefined;
      try {
        const { size } = await stat(this.snapshotPath(snapshot.key));
        return { mediaId, contentType: snapshot.contentType, size };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw error;
      }
    }
    if (!MEDIA_ID.test(mediaId)) return undefined;
    try {
      return JSON.parse(await readFile(this.path(mediaId, '.json'), 'utf8')) as StoredMedia;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async readUrl({ mediaId }: StoredMedia): Promise<string> {
    const snapshot = snapshotOf(mediaId);
    return `${this.baseUrl()}/bucket/${snapshot ? snapshot.key : `media/${mediaId}`}`;
  }

  /** The body's file, for the local bucket's GET. */
  contentPath(mediaId: string): string {
    const snapshot = snapshotOf(mediaId);
    return snapshot ? this.snapshotPath(snapshot.key) : this.path(mediaId);
  }

  private snapshotPath(key: string): string {
    if (!this.snapshots) throw new UploadRefusedError(404, 'this bucket keeps no snapshots');
    return join(this.snapshots, key.slice('snapshots/'.length));
  }

  /**
   * A camera's snapshot put at `snapshots/<thing>/<file>` (as a camera puts it in S3 with
   * its own credentials): an image whose type is its name's, at most the images' size limit.
   * A second put of the same key replaces it, as S3's does.
   */
  async putSnapshot(
    mediaId: string,
    contentType: string | undefined,
    body: NodeJS.ReadableStream,
  ): Promise<StoredMedia> {
    const snapshot = snapshotOf(mediaId);
    if (!snapshot) throw new UploadRefusedError(400, 'a snapshot is snapshots/<thing>/<name>.jpg|jpeg|png|webp');
    if (contentType?.split(';')[0]?.trim().toLowerCase() !== snapshot.contentType)
      throw new UploadRefusedError(415, `${snapshot.key} is a ${snapshot.contentType}, not ${contentType ?? 'none'}`);
    const path = this.snapshotPath(snapshot.key);
    const part = `${path}.${randomBytes(6).toString('hex')}.part`;
    const max = MEDIA_TYPES[snapshot.contentType].maxBytes;
    await mkdir(dirname(path), { recursive: true });
    const size = await writeAtMost(body, part, max, `a snapshot is at most ${max} bytes`);
    await rename(part, path);
    return { mediaId, contentType: snapshot.contentType, size };
  }
}
