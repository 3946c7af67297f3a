import { request } from 'node:http';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import mqtt from 'mqtt';
import { loadDistrictDir } from '#devices/district-files';
import { topicFor } from '#shared/domain/topics';
import { startLocalStack, type LocalStack } from '#infra/local/stack';
import { tinyJpeg } from '../support/images.ts';

/**
 * Clients that break off, send too much or misbehave on the wire: the stack answers each
 * one alone and stays up for everyone else.
 */
const model = await loadDistrictDir();
let stack: LocalStack;
const errors: string[] = [];

beforeAll(async () => {
  stack = await startLocalStack({
    clock: { now: () => Date.now() },
    dynamoEndpoint: inject('dynamoEndpoint'),
    tablePrefix: `hostile-${Date.now()}-`,
    mqttPort: 0,
    apiPort: 0,
    model,
    observer: {
      log: { info() {}, warn() {}, error: (message, fields) => errors.push(`${message} ${JSON.stringify(fields)}`) },
      metrics: { count() {}, flush() {} },
    },
  });
});
afterAll(() => stack?.stop());

type Upload = { mediaId: string; uploadUrl: string; headers: Record<string, string> };

/** A 5 MB JPEG: a real picture's bytes, then padding (as a camera's trailer after the end marker). */
const big = Buffer.concat([tinyJpeg(), Buffer.alloc(5 * 1024 * 1024)]);

const newUpload = async (body: Buffer): Promise<Upload> => {
  const response = await fetch(`${stack.apiUrl}/media`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ contentType: 'image/jpeg', size: body.length }),
  });
  expect(response.status).toBe(201);
  return (await response.json()) as Upload;
};

/** A GET whose client closes the socket after the first chunk of the body. */
const abortedDownload = (url: string) =>
  new Promise<void>((resolve, reject) => {
    const req = request(url, (res) => {
      res.once('data', () => {
        req.destroy();
        resolve();
      });
      res.once('end', () => reject(new Error(`the whole body came before the abort (${res.statusCode})`)));
    });
    req.on('error', () => resolve());
    req.end();
  });

/** A PUT that says 5 MB, sends 64 KiB and closes the socket. */
const abortedUpload = (upload: Upload) =>
  new Promise<void>((resolve) => {
    const req = request(upload.uploadUrl, {
      method: 'PUT',
      headers: { ...upload.headers, 'content-length': String(big.length) },
    });
    req.on('error', () => resolve());
    req.on('close', () => resolve());
    req.write(big.subarray(0, 64 * 1024), () => setImmediate(() => req.destroy()));
  });

describe('clients that break off', () => {
  it('50 downloads and uploads aborted mid-way leave the stack answering and storing readings', async () => {
    const stored = await newUpload(big);
    expect((await fetch(stored.uploadUrl, { method: 'PUT', headers: stored.headers, body: big })).status).toBe(200);
    const mediaUrl = `${stack.apiUrl}/bucket/media/${stored.mediaId}`;
    const pending = await newUpload(big);
    for (let i = 0; i < 50; i++) await (i % 2 === 0 ? abortedDownload(mediaUrl) : abortedUpload(pending));

    expect((await fetch(`${stack.apiUrl}/health`)).status).toBe(200);
    // The whole picture still reads back, and the aborted uploads left their URL usable.
    expect(Buffer.from(await (await fetch(mediaUrl)).arrayBuffer()).equals(big)).toBe(true);
    await vi.waitFor(
      async () =>
        expect((await fetch(pending.uploadUrl, { method: 'PUT', headers: pending.headers, body: big })).status).toBe(
          200,
        ),
      { timeout: 10_000, interval: 200 },
    );
    const client = await mqtt.connectAsync(stack.mqttUrl, { clientId: 'bin-gs-007', reconnectPeriod: 0 });
    const ts = Date.now();
    await client.publishAsync(topicFor('bins', 'bin-gs-007'), JSON.stringify({ ts, seq: 1, fillPct: 42 }), { qos: 1 });
    await client.endAsync();
    await vi.waitFor(
      async () =>
        expect(
          ((await (await fetch(`${stack.apiUrl}/devices/bin-gs-007`)).json()) as { state: unknown }).state,
        ).toEqual({ ts, seq: 1, fillPct: 42 }),
      { timeout: 10_000, interval: 100 },
    );
    // A client going away is not the stack's fault: nothing was logged as a failed request.
    expect(errors.filter((e) => e.startsWith('local API'))).toEqual([]);
  });

  it('answers any upload or download a client can send without a 5xx, and stays up', async () => {
    const segment = fc.oneof(
      fc.constantFrom('media', 'snapshots', 'cam-gs-m1-a', '..', '%2e%2e', 'x.jpg', '', 'md-20261201-00000000000000aa'),
      fc.string({ maxLength: 12 }).map(encodeURIComponent),
    );
    const request = fc.record({
      method: fc.constantFrom('GET', 'PUT', 'POST', 'DELETE', 'HEAD'),
      path: fc.array(segment, { maxLength: 4 }).map((parts) => `/bucket/${parts.join('/')}`),
      query: fc.option(
        fc.string({ maxLength: 40 }).map((t) => `?token=${encodeURIComponent(t)}`),
        { nil: '' },
      ),
      type: fc.constantFrom('image/jpeg', 'image/png', 'text/html', '', 'image/jpeg; charset=utf-8'),
      body: fc.uint8Array({ maxLength: 2048 }),
    });
    // Found by this property: `//` as a path was read as a URL of another host and answered 500.
    const slashes = await fetch(`${stack.apiUrl}/bucket/..//`);
    expect(slashes.status).toBeLessThan(500);
    const pending = await newUpload(big);
    await fc.assert(
      fc.asyncProperty(request, async ({ method, path, query, type, body }) => {
        const url = method === 'PUT' && path === '/bucket/media' ? pending.uploadUrl : `${stack.apiUrl}${path}${query}`;
        const response = await fetch(url, {
          method,
          headers: type ? { 'content-type': type } : {},
          ...(method === 'GET' || method === 'HEAD' ? {} : { body: Buffer.from(body) }),
        });
        await response.arrayBuffer();
        expect(response.status, `${method} ${path}${query}`).toBeLessThan(500);
      }),
      { numRuns: 300 },
    );
    expect((await fetch(`${stack.apiUrl}/health`)).status).toBe(200);
    expect(errors.filter((e) => e.startsWith('local API'))).toEqual([]);
  });

  it('answers a body over the limit 413 before it closes the connection', async () => {
    // 8 MB sent in 64 KiB writes by a client that sends its whole body before it reads (as most
    // do): every write must go through and the answer be a 413, not a reset connection.
    const outcome = await new Promise<{ status?: number; error?: string }>((resolve) => {
      const seen: { status?: number; error?: string } = {};
      const req = request(`${stack.apiUrl}/cases/reports`, {
        method: 'POST',
        // `connection: close`, as urllib and many clients send it: the server must not close before it has read the body.
        headers: {
          'content-type': 'application/json',
          'content-length': String(8 * 1024 * 1024),
          connection: 'close',
        },
      });
      req.on('response', (res) => {
        seen.status = res.statusCode;
        res.resume();
      });
      req.on('error', (error: NodeJS.ErrnoException) => (seen.error = error.code ?? error.message));
      req.on('close', () => resolve(seen));
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      let sent = 0;
      const write = () => {
        while (sent < 8 * 1024 * 1024) {
          sent += chunk.length;
          if (!req.write(chunk)) return void req.once('drain', write);
        }
        req.end();
      };
      write();
    });
    expect(outcome).toEqual({ status: 413 });
  });
});
