import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { S3MediaStore } from '#shared/adapters/media-store/s3';
import { tinyJpeg } from '../support/images.ts';

/**
 * The media bucket's adapter against moto's S3 (`moto_server`, on this image): presigned
 * one-time puts (a second put to the URL is a 412, S3's conditional write), reading back.
 */
const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

let moto: ChildProcess;
let store: S3MediaStore;
let s3: S3Client;
const NOW = Date.now();

beforeAll(async () => {
  const port = await freePort();
  moto = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
  s3 = new S3Client({
    region: 'cn-north-1',
    endpoint: `http://127.0.0.1:${port}`,
    forcePathStyle: true,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  await vi.waitFor(() => s3.send(new CreateBucketCommand({ Bucket: 'media' })), { timeout: 30_000, interval: 250 });
  store = new S3MediaStore(s3, 'media');
}, 60_000);
afterAll(() => moto?.kill());

describe('S3 media store', () => {
  it('signs the type, the exact length and If-None-Match, for 15 minutes', async () => {
    const upload = await store.createUpload(
      'md-20261201-00000000000000aa',
      { contentType: 'image/jpeg', size: 42 },
      NOW,
    );
    const url = new URL(upload.uploadUrl);
    expect(url.pathname).toBe('/media/media/md-20261201-00000000000000aa');
    expect(url.searchParams.get('X-Amz-SignedHeaders')!.split(';').sort()).toEqual([
      'content-length',
      'content-type',
      'host',
      'if-none-match',
    ]);
    expect(url.searchParams.get('X-Amz-Expires')).toBe('900');
    expect(upload.headers).toEqual({ 'content-type': 'image/jpeg', 'content-length': '42', 'if-none-match': '*' });
  });

  it('takes the body once: a second put to the URL is refused; the medium reads back', async () => {
    const body = tinyJpeg();
    const id = 'md-20261201-00000000000000bb';
    const upload = await store.createUpload(id, { contentType: 'image/jpeg', size: body.length }, NOW);
    expect(await store.find(id)).toBeUndefined();
    expect((await fetch(upload.uploadUrl, { method: 'PUT', headers: upload.headers, body })).status).toBe(200);
    const again = await fetch(upload.uploadUrl, { method: 'PUT', headers: upload.headers, body });
    expect(again.status).toBe(412);
    expect(await store.find(id)).toEqual({ mediaId: id, contentType: 'image/jpeg', size: body.length });
    const url = new URL(await store.readUrl({ mediaId: id, contentType: 'image/jpeg', size: body.length }, Date.now()));
    expect(url.searchParams.get('response-content-disposition')).toBe(`inline; filename="${id}.jpg"`);
    const read = await fetch(url);
    expect(Buffer.from(await read.arrayBuffer())).toEqual(body);
  });

  it('reads an object’s first bytes and refuses one that is not the picture it was put as', async () => {
    const page = Buffer.from('<html><script>alert(document.cookie)</script></html>');
    const id = 'md-20261201-00000000000000cc';
    const upload = await store.createUpload(id, { contentType: 'image/jpeg', size: page.length }, NOW);
    // A presigned PUT takes whatever bytes come with the signed type and length.
    expect((await fetch(upload.uploadUrl, { method: 'PUT', headers: upload.headers, body: page })).status).toBe(200);
    expect(await store.find(id)).toEqual({
      mediaId: id,
      refused: expect.objectContaining({
        en: 'the body is not image/jpeg (its bytes are no picture this bucket keeps)',
      }),
    });
  });

  it('reads a camera’s snapshot from where the camera put it, typed by its name', async () => {
    const body = tinyJpeg();
    const id = 'sn~cam-gs-m2-a~1764640800000.jpg';
    expect(await store.find(id)).toBeUndefined();
    // As a camera puts it with its own credentials: no content type.
    await s3.send(
      new PutObjectCommand({ Bucket: 'media', Key: 'snapshots/cam-gs-m2-a/1764640800000.jpg', Body: body }),
    );
    expect(await store.find(id)).toEqual({ mediaId: id, contentType: 'image/jpeg', size: body.length });
    const url = await store.readUrl({ mediaId: id, contentType: 'image/jpeg', size: body.length }, Date.now());
    expect(new URL(url).pathname).toBe('/media/snapshots/cam-gs-m2-a/1764640800000.jpg');
    // S3 answers with the type the signed URL asks for (moto ignores the override, so it is checked on the URL).
    expect(new URL(url).searchParams.get('response-content-type')).toBe('image/jpeg');
    const read = await fetch(url);
    expect(Buffer.from(await read.arrayBuffer())).toEqual(body);
  });
});
