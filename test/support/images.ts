import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import jpeg from 'jpeg-js';
import { FolderMediaStore } from '#shared/adapters/media-store/folder';

/** A real 8×8 grey JPEG, as a phone's photo in miniature. */
export function tinyJpeg(): Buffer {
  const data = Buffer.alloc(8 * 8 * 4, 0x80);
  return Buffer.from(jpeg.encode({ data, width: 8, height: 8 }, 80).data);
}

/** A real 1×1 PNG. */
export const tinyPng = (): Buffer =>
  Buffer.from(
    'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
    'base64',
  );

/** A real 1×1 lossless WebP. */
export const tinyWebp = (): Buffer => Buffer.from('UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA==', 'base64');

/** A media folder holding one uploaded photo (`mediaId`), put as a phone's app puts it: a one-time URL, then the body. */
export async function mediaWithPhoto(mediaId: string, now: number): Promise<FolderMediaStore> {
  const media = new FolderMediaStore(mkdtempSync(join(tmpdir(), 'cityops-media-')), () => 'http://127.0.0.1:1');
  const body = tinyJpeg();
  const upload = await media.createUpload(mediaId, { contentType: 'image/jpeg', size: body.length }, now);
  await media.receive(
    mediaId,
    new URL(upload.uploadUrl).searchParams.get('token'),
    'image/jpeg',
    Readable.from([body]),
    now,
  );
  return media;
}
