import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadDistrictDir } from '#devices/district-files';
import { caseStack } from '../support/case-stack.ts';
import { tinyJpeg, tinyPng } from '../support/images.ts';

/** Uploads through one-time URLs, and the refusals a client can meet: type, size, reuse. */
const model = await loadDistrictDir();
let s: Awaited<ReturnType<typeof caseStack>>;

beforeAll(async () => {
  s = await caseStack(model, Date.UTC(2026, 11, 1, 2, 0), {
    dynamoEndpoint: inject('dynamoEndpoint'),
    // A device authority: cameras put their snapshots with their certificates.
    mqttTlsPort: 0,
  });
});
afterAll(() => s?.stop());

type Upload = { mediaId: string; uploadUrl: string; headers: Record<string, string>; expiresAt: number };
const ask = (body: unknown) =>
  s.api<Upload & { message?: string }>('/media', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
const put = (upload: Upload, body: Buffer, headers = upload.headers) =>
  fetch(upload.uploadUrl, { method: 'PUT', headers, body });

describe('media uploads', () => {
  it('refuses a type it does not keep and a size over the limit, before any upload', async () => {
    const gif = await ask({ contentType: 'image/gif', size: 100 });
    expect(gif.status).toBe(400);
    expect(gif.body.message).toMatch(/contentType must be one of image\/jpeg/);
    const huge = await ask({ contentType: 'image/png', size: 11 * 1024 * 1024 });
    expect(huge.status).toBe(400);
    expect(huge.body.message).toMatch(/at most 10485760 bytes/);
    expect((await ask({ contentType: 'image/png' })).status).toBe(400);
  });

  it('takes exactly the body it was made for, once; the medium reads back through the API', async () => {
    const body = tinyPng();
    const { status, body: upload } = await ask({ contentType: 'image/png', size: body.length });
    expect(status).toBe(201);
    expect(upload.expiresAt).toBe(s.now() + 15 * 60_000);
    // Another type than the URL's; more bytes than it said: refused, and the URL is still good.
    expect((await put(upload, body, { 'content-type': 'image/jpeg' })).status).toBe(415);
    expect((await put(upload, Buffer.concat([body, body]))).status).toBe(413);
    expect((await s.api(`/media/${upload.mediaId}`, { redirect: 'manual' })).status).toBe(404);
    expect((await put(upload, body)).status).toBe(200);
    // A used URL is refused.
    const again = await put(upload, body);
    expect(again.status).toBe(409);
    expect(((await again.json()) as { message: string }).message).toMatch(/used already/);

    const read = await fetch(`${s.stack.apiUrl}/media/${upload.mediaId}`, { redirect: 'manual' });
    expect(read.status).toBe(302);
    const content = await fetch(read.headers.get('location')!);
    expect(content.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await content.arrayBuffer())).toEqual(body);
  });

  it('keeps a page put as a JPEG out: never served, never attached; a picture is served as one, never sniffed', async () => {
    const page = Buffer.from('<html><script>alert(document.cookie)</script></html>');
    const { body: upload } = await ask({ contentType: 'image/jpeg', size: page.length });
    // The one-time URL takes the bytes, as S3's presigned PUT would; the API then reads them.
    expect((await put(upload, page)).status).toBe(200);
    expect((await s.api(`/media/${upload.mediaId}`, { redirect: 'manual' })).status).toBe(404);
    const direct = await fetch(`${s.stack.apiUrl}/bucket/media/${upload.mediaId}`);
    expect(direct.status).toBe(404);
    expect(await direct.text()).not.toContain('<script>');
    const report = await s.post<{ localMessage: string }>('/cases/reports', {
      source: 'public',
      classId: 'dirty-road',
      componentId: 'gr-002',
      description: 'mud on the road',
      media: [upload.mediaId],
    });
    expect(report.status).toBe(400);
    expect(report.body.localMessage).toBe('上传的文件不是有效的图片（image/jpeg），请重新拍摄或选择');

    const photo = await s.uploadJpeg(tinyJpeg());
    const served = await fetch(`${s.stack.apiUrl}/bucket/media/${photo}`);
    expect(served.headers.get('content-type')).toBe('image/jpeg');
    expect(served.headers.get('x-content-type-options')).toBe('nosniff');
    expect(served.headers.get('content-disposition')).toBe(`inline; filename="${photo}.jpg"`);
    expect(served.headers.get('content-security-policy')).toBe("default-src 'none'; sandbox");
  });

  it('refuses a report naming media that was never uploaded, and Open311 a media_url that is not this API’s', async () => {
    const report = await s.api<{ message: string }>('/cases/reports', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        source: 'public',
        classId: 'dirty-road',
        componentId: 'gr-002',
        description: 'mud on the road',
        media: ['md-20261201-0123456789abcdef'],
      }),
    });
    expect(report.status).toBe(400);
    expect(report.body.message).toMatch(/no media "md-20261201-0123456789abcdef": upload it first/);
    const open311 = (form: Record<string, string>) =>
      fetch(`${s.stack.apiUrl}/open311/v2/requests.json`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(form),
      });
    const foreign = await open311({
      service_code: 'dirty_road',
      lat: '30.318',
      long: '120.144',
      media_url: 'https://example.com/photo.jpg',
    });
    expect(foreign.status).toBe(400);
    expect(await foreign.json()).toEqual([{ code: 400, description: expect.stringMatching(/media_url must be/) }]);
    const noPoint = await open311({ service_code: 'dirty_road', address_string: '12 Some Road', description: 'mud' });
    expect(noPoint.status).toBe(400);
    expect(await noPoint.json()).toEqual([{ code: 400, description: expect.stringMatching(/lat and long/) }]);
    const noService = await open311({ lat: '30.318', long: '120.144', description: 'mud' });
    expect(noService.status).toBe(400);
  });

  it('keeps a camera’s snapshot where the camera puts it, with its own certificate, and reads it as media', async () => {
    const bucket = `${s.stack.apiUrl}/bucket/snapshots`;
    const jpeg = tinyJpeg();
    const put = (path: string, type = 'image/jpeg', body: Buffer = jpeg, as?: string) =>
      s.putSnapshot(`snapshots/${path}`, body, as, type);
    expect(await put('cam-gs-m1-a/1.jpg', 'image/png')).toBe(415);
    expect(await put('cam-gs-m1-a/1.gif', 'image/gif')).toBe(400);
    expect(await put('cam-gs-m1-a/1.jpg', 'image/jpeg', Buffer.alloc(10 * 1024 * 1024 + 1))).toBe(413);
    expect((await s.api('/media/sn~cam-gs-m1-a~1.jpg')).status).toBe(404);
    // Without a certificate (the API's plain port), with another camera's, or under no thing: refused, nothing kept.
    const plain = await fetch(`${bucket}/cam-gs-m1-a/1.jpg`, {
      method: 'PUT',
      headers: { 'content-type': 'image/jpeg' },
      body: jpeg,
    });
    expect(plain.status).toBe(403);
    expect(((await plain.json()) as { message: string }).message).toBe(
      `a camera puts its snapshots with its own certificate at ${s.stack.snapshotsUrl}/snapshots/<thing>/<name>`,
    );
    expect(await put('cam-gs-m1-a/1.jpg', 'image/jpeg', jpeg, 'cam-gs-m2-a')).toBe(403);
    expect(await put('not-a-thing/1.jpg', 'image/jpeg', jpeg, 'cam-gs-m2-a')).toBe(403);
    expect(await put('bin-gs-001/1.jpg', 'image/jpeg', jpeg, 'cam-gs-m2-a')).toBe(403);
    expect((await s.api('/media/sn~cam-gs-m1-a~1.jpg')).status).toBe(404);

    expect(await put('cam-gs-m1-a/1.jpg')).toBe(200);
    const read = await fetch(`${s.stack.apiUrl}/media/sn~cam-gs-m1-a~1.jpg`);
    expect(read.url).toBe(`${bucket}/cam-gs-m1-a/1.jpg`);
    expect(read.headers.get('content-type')).toBe('image/jpeg');
    expect(Buffer.from(await read.arrayBuffer())).toEqual(jpeg);
  });
});
