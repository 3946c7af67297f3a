import { createServer } from 'node:http';
import { describe, expect, inject, it, vi } from 'vitest';
import { loadDistrictDir } from '#devices/district-files';
import { caseStack } from '../support/case-stack.ts';

const START = Date.UTC(2026, 10, 27, 4, 0);
const model = await loadDistrictDir();
const DOWN_MS = 60_000;

interface Received {
  id: string;
  type: string;
  caseId: string;
}

describe('faults: a webhook receiver down for a minute', () => {
  it('gets every case event once it is back, in order per case', async () => {
    const received: Received[] = [];
    let up = false;
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        if (!up) return void res.writeHead(503).end();
        const event = JSON.parse(body) as {
          'detail-type': string;
          detail: { metadata: { id: string }; data: { caseId: string } };
        };
        received.push({ id: event.detail.metadata.id, type: event['detail-type'], caseId: event.detail.data.caseId });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`;
    const run = await caseStack(model, START, {
      dynamoEndpoint: inject('dynamoEndpoint'),
      tablePrefix: `hookdown-${Date.now()}-`,
      webhooks: [url],
    });
    try {
      const wentDown = Date.now();
      // Two cases, each opened and resolved, their events interleaved in the stream.
      await run.publish('bin-gs-026', { ts: run.now(), fillPct: 30, temperatureC: 75 });
      await run.publish('bin-gs-027', { ts: run.now(), fillPct: 30, tiltDeg: 80 });
      await run.oneCase('gr-026', 'bin_fire', 'open');
      await run.oneCase('gr-027', 'bin_knocked_over', 'open');
      run.advance(60_000);
      await run.publish('bin-gs-026', { ts: run.now(), fillPct: 30, temperatureC: 20 });
      await run.publish('bin-gs-027', { ts: run.now(), fillPct: 30, tiltDeg: 2 });
      await run.oneCase('gr-026', 'bin_fire', 'resolved');
      await run.oneCase('gr-027', 'bin_knocked_over', 'resolved');
      await vi.waitFor(() => expect(run.events()).toHaveLength(4), { timeout: 15_000 });
      expect(received).toEqual([]);

      await new Promise((r) => setTimeout(r, Math.max(0, DOWN_MS - (Date.now() - wentDown))));
      up = true;
      // The relay backs off up to 30 s between attempts, so it may take that long to notice.
      await vi.waitFor(() => expect(received).toHaveLength(4), { timeout: 45_000, interval: 250 });

      const fileOrder = run
        .events()
        .map((e) => ({ id: e.detail.metadata.id, type: e['detail-type'], caseId: e.detail.data.caseId }));
      expect(new Set(received.map((r) => r.id)).size).toBe(4);
      for (const caseId of new Set(fileOrder.map((e) => e.caseId))) {
        const delivered = received.filter((r) => r.caseId === caseId);
        expect(delivered.map((r) => r.type)).toEqual(['CaseOpened', 'CaseResolved']);
        expect(delivered).toEqual(fileOrder.filter((e) => e.caseId === caseId));
      }
    } finally {
      await run.stop();
      await new Promise((resolve) => server.close(resolve));
    }
  }, 150_000);
});
