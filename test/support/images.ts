import jpeg from 'jpeg-js';

/** A real 8×8 grey JPEG, as a phone's photo in miniature. */
export function tinyJpeg(): Buffer {
  const data = Buffer.alloc(8 * 8 * 4, 0x80);
  return Buffer.from(jpeg.encode({ data, width: 8, height: 8 }, 80).data);
}
