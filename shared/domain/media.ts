import { z } from 'zod';

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
