import { imageSize } from 'image-size';
import { z } from 'zod';
import type { Names } from './labels.ts';

/**
 * Photos and videos attached to reports and case actions. A client asks for a one-time
 * upload URL naming the type and size it will send; the bucket (S3 in AWS, the stack's
 * folder locally) takes exactly that body once, before the URL expires.
 */
export const MEDIA_TYPES = {
  'image/jpeg': { maxBytes: 10 * 1024 * 1024 },
  'image/png': { maxBytes: 10 * 1024 * 1024 },
  'image/webp': { maxBytes: 10 * 1024 * 1024 },
  'video/mp4': { maxBytes: 50 * 1024 * 1024 },
} as const;
export type MediaType = keyof typeof MEDIA_TYPES;
const TYPES = Object.keys(MEDIA_TYPES) as [MediaType, ...MediaType[]];

/** How long an upload URL stays good. */
export const UPLOAD_TTL_MS = 15 * 60_000;

export const MEDIA_ID = /^md-[0-9]{8}-[0-9a-f]{16}$/;

/** `POST /media` body: what the client will upload. */
export const MediaRequest = z
  .strictObject({
    contentType: z.enum(TYPES, { message: `contentType must be one of ${TYPES.join(', ')}` }),
    size: z.int().min(1, 'size is the body’s length in bytes'),
  })
  .superRefine((m, ctx) => {
    const max = MEDIA_TYPES[m.contentType]?.maxBytes;
    if (max !== undefined && m.size > max)
      ctx.addIssue({ code: 'custom', path: ['size'], message: `a ${m.contentType} is at most ${max} bytes` });
  });
export type MediaRequest = z.infer<typeof MediaRequest>;

export interface MediaUpload {
  mediaId: string;
  /** PUT the body here, with exactly these headers. */
  uploadUrl: string;
  method: 'PUT';
  headers: Record<string, string>;
  expiresAt: number;
}

export interface StoredMedia {
  mediaId: string;
  contentType: MediaType;
  size: number;
}

/** A body in the bucket whose bytes are not the type it was put as: never served, never attached. */
export interface RefusedMedia {
  mediaId: string;
  refused: Names;
}

/** How many of a body's first bytes are read to tell its type and a picture's size (a JPEG's EXIF comes first). */
export const MEDIA_HEAD_BYTES = 256 * 1024;

/** The largest side of a picture taken (a decompression bomb's is larger). */
export const MAX_IMAGE_SIDE = 20_000;

const IMAGE_SIZE_TYPES: Record<string, MediaType> = { jpg: 'image/jpeg', png: 'image/png', webp: 'image/webp' };

/**
 * Whether a body's first bytes ({@link MEDIA_HEAD_BYTES}) are the type it was put as:
 * a JPEG, PNG or WebP picture by its magic and its dimensions (read by `image-size`), an
 * MP4 by its `ftyp` box. None when they are; else why not, in both languages. The type a
 * client declares is never trusted alone: an HTML page put as `image/jpeg` is refused here.
 */
export function mediaBytesProblem(declared: MediaType, head: Uint8Array): Names | undefined {
  const not = (what: string) => ({
    en: `the body is not ${declared} (${what})`,
    zh: `上传的文件不是有效的${declared === 'video/mp4' ? '视频' : '图片'}（${declared}），请重新拍摄或选择`,
  });
  if (declared === 'video/mp4')
    return Buffer.from(head.subarray(4, 8)).toString('latin1') === 'ftyp' ? undefined : not('no ftyp box');
  let size: { type?: string; width?: number; height?: number };
  try {
    size = imageSize(head);
  } catch {
    return not('its bytes are no picture this bucket keeps');
  }
  const type = size.type === undefined ? undefined : IMAGE_SIZE_TYPES[size.type];
  if (type !== declared) return not(`its bytes are ${type ?? size.type ?? 'unknown'}`);
  const { width = 0, height = 0 } = size;
  if (width < 1 || height < 1 || width > MAX_IMAGE_SIDE || height > MAX_IMAGE_SIDE)
    return not(`${width}×${height} pixels; at most ${MAX_IMAGE_SIDE} a side`);
  return undefined;
}

/**
 * A camera's snapshot: the camera puts it in the media bucket under
 * `snapshots/<thing>/<file>` itself (in AWS with the IoT credentials provider's role,
 * allowed its own folder only) and names the key in its detection's `snapshotKey`.
 * As media it is `sn~<thing>~<file>`, read like any other medium (`GET /media/{id}`).
 */
export const SNAPSHOT_PREFIX = 'snapshots/';
// The extension in either case (a camera's IMG_1.JPG); the rest as given (S3 keys are case-sensitive).
const SNAPSHOT_FILE = '[A-Za-z0-9_-]{1,120}\\.(?:[jJ][pP][eE]?[gG]|[pP][nN][gG]|[wW][eE][bB][pP])';
const THING_NAME = '[A-Za-z0-9:_-]{1,128}';
const SNAPSHOT_KEY = new RegExp(`^snapshots/(${THING_NAME})/(${SNAPSHOT_FILE})$`);
const SNAPSHOT_MEDIA_ID = new RegExp(`^sn~(${THING_NAME})~(${SNAPSHOT_FILE})$`);
const SNAPSHOT_TYPES: Record<string, MediaType> = {
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
};

/** The media id of a thing's snapshot; none for a key outside the thing's own folder, or not an image's name. */
export function snapshotMediaId(thing: string, snapshotKey: string): string | undefined {
  const match = SNAPSHOT_KEY.exec(snapshotKey);
  return match && match[1] === thing ? `sn~${match[1]}~${match[2]}` : undefined;
}

/** A snapshot's key in the media bucket and its type, from its media id; none for another id. */
export function snapshotOf(mediaId: string): { key: string; thing: string; contentType: MediaType } | undefined {
  const match = SNAPSHOT_MEDIA_ID.exec(mediaId);
  if (!match) return undefined;
  const [, thing, file] = match as unknown as [string, string, string];
  const extension = file.slice(file.lastIndexOf('.') + 1).toLowerCase();
  return { key: `${SNAPSHOT_PREFIX}${thing}/${file}`, thing, contentType: SNAPSHOT_TYPES[extension]! };
}

const EXTENSIONS: Record<MediaType, string> = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/webp': 'webp',
  'video/mp4': 'mp4',
};

/** The file name a medium is served as (`Content-Disposition`): its id and its type's extension, nothing a client chose. */
export const mediaFileName = (mediaId: string, type: MediaType): string =>
  `${mediaId.replace(/[^A-Za-z0-9_-]/g, '_')}.${EXTENSIONS[type]}`;

/** A media id of either kind: an upload's or a camera's snapshot. */
export const isMediaId = (mediaId: string): boolean => MEDIA_ID.test(mediaId) || snapshotOf(mediaId) !== undefined;
