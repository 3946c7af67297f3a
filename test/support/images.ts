import jpeg from 'jpeg-js';

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
