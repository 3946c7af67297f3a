import { createServer } from 'node:http';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { loadDistrictDir } from '#devices/district-files';
import type { HotlineMessage } from '#shared/domain/hotline';
import { siteLocation } from '#shared/domain/city-model';
import type { User } from '#shared/domain/case/actors';
import { caseStack } from '../support/case-stack.ts';
import { USERS } from '../support/users.ts';
import { tinyJpeg } from '../support/images.ts';

/**
 * The 12345 hand-over end to end on the local stack: tickets in through the API, and the
 * hotline's answers out to its own receiver (`npm start -- --hotline-webhook <url>`), which
 * gets the hotline's events and nothing else.
 */
const START = Date.UTC(2026, 11, 1, 2, 0);
const model = await loadDistrictDir();

interface Received {
  id: string;
  detailType: string;
  body: { source: string; 'detail-type': string; detail: { metadata: { id: string }; data: HotlineMessage } };
}

/** The hotline's receiver: records every POST it acknowledged. */
async function hotlineReceiver() {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({
        id: String(req.headers['x-cityops-event-id']),
        detailType: String(req.headers['x-cityops-detail-type']),
        body: JSON.parse(Buffer.concat(chunks).toString('utf8')),
      });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}/12345/answers`,
    received,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

let hotline: Awaited<ReturnType<typeof hotlineReceiver>>;
let s: Awaited<ReturnType<typeof caseStack>>;
beforeAll(async () => {
  hotline = await hotlineReceiver();
  s = await caseStack(model, START, { dynamoEndpoint: inject('dynamoEndpoint'), hotlineWebhooks: [hotline.url] });
});
afterAll(async () => {
  await s?.stop();
  await hotline?.close();
});

const post = <T>(path: string, body: unknown) => s.post<T>(path, body);
const roomAt = (siteId: string) => siteLocation(model.sites.find((x) => x.siteId === siteId)!);
const ticket = (ticketNo: string, siteId: string, over: Record<string, unknown> = {}) => ({
  ticketNo,
  classId: 'street-trading',
  location: roomAt(siteId),
  address: '湖墅南路 120 号门口',
  description: '市民来电：路口有流动摊贩占道经营',
  caller: { name: '张女士', phone: '13800000000' },
  ...over,
});
const answersFor = (ticketNo: string) => hotline.received.filter((r) => r.body.detail.data.ticketNo === ticketNo);
const act = (caseId: string, user: User, body: Record<string, unknown>) => s.act(caseId, user, body);

describe('the 12345 hotline’s hand-over', () => {
  it('replies when the ticket is registered and sends the result, with the photo of the work, when it is closed', async () => {
    const handed = await post<{ caseId: string; caseNumber: string; outcome: string; status: string }>(
      '/hotline/12345/tickets',
      ticket('HL20261202-0001', 'gr-030'),
    );
    expect(handed).toMatchObject({ status: 201, body: { outcome: 'received', status: 'received' } });
    const { caseId, caseNumber } = handed.body;
    // The hotline hears the case number (案件编号): the district's local day and its serial.
    expect(caseNumber).toMatch(/^\d{12}$/);
    await s.event(caseId, 'CaseReported');
    expect(answersFor('HL20261202-0001')).toEqual([]); // nothing until the clerk decides

    expect((await act(caseId, USERS.clerk, { action: 'register' })).status).toBe(200);
    await vi.waitFor(() => expect(answersFor('HL20261202-0001')).toHaveLength(1), { timeout: 15_000 });
    const [reply] = answersFor('HL20261202-0001');
    expect(reply).toMatchObject({
      detailType: 'HotlineReplied',
      body: {
        source: 'cityops.hotline',
        'detail-type': 'HotlineReplied',
        detail: {
          data: { kind: 'reply', caseId, caseNumber, status: 'open', merged: false, leadUnit: expect.any(String) },
        },
      },
    });
    expect(reply!.id).toBe(reply!.body.detail.metadata.id);
    expect(reply!.body.detail.data.message).toContain(`案件编号 ${caseNumber}`);

    // The unit's photo of the work, uploaded through a one-time URL and named by the resolve action.
    const photo = tinyJpeg();
    const mediaId = await s.uploadJpeg(photo);
    expect((await act(caseId, USERS.dispatcher, { action: 'dispatch' })).status).toBe(200);
    expect((await act(caseId, USERS.enforcement, { action: 'start' })).status).toBe(200);
    const unknownPhoto = await act(caseId, USERS.enforcement, { action: 'resolve', media: ['md-never-uploaded'] });
    expect(unknownPhoto.status).toBe(400);
    const resolved = await act(caseId, USERS.enforcement, {
      action: 'resolve',
      note: '摊贩已劝离，路面已清理',
      media: [mediaId],
    });
    expect(resolved.body.history.at(-1)).toMatchObject({ action: 'resolve', media: [mediaId] });
    expect((await act(caseId, USERS.inspector, { action: 'verify' })).status).toBe(200);
    expect((await act(caseId, USERS.shiftLead, { action: 'close' })).status).toBe(200);

    await vi.waitFor(() => expect(answersFor('HL20261202-0001')).toHaveLength(2), { timeout: 15_000 });
    const result = answersFor('HL20261202-0001')[1]!;
    expect(result).toMatchObject({
      detailType: 'HotlineResult',
      body: {
        detail: {
          data: {
            kind: 'result',
            caseId,
            status: 'closed',
            note: '摊贩已劝离，路面已清理',
            media: [mediaId],
          },
        },
      },
    });
    // The hotline fetches the photo through the API, by the id the result names.
    const image = await fetch(
      `${s.stack.apiUrl}/media/${result.body.detail.data.kind === 'result' ? result.body.detail.data.media[0] : ''}`,
    );
    expect(image.headers.get('content-type')).toBe('image/jpeg');
    expect(Buffer.from(await image.arrayBuffer())).toEqual(photo);

    // The same ticket again: the same case, nothing added, nothing sent.
    const again = await post<{ caseId: string; outcome: string }>(
      '/hotline/12345/tickets',
      ticket('HL20261202-0001', 'gr-030'),
    );
    expect(again).toMatchObject({ status: 200, body: { outcome: 'duplicate', caseId } });
    await s.stack.drained();
    expect(answersFor('HL20261202-0001')).toHaveLength(2);
  });

  it('sends a ticket back with the clerk’s reason, and one outside the district at once', async () => {
    const handed = await post<{ caseId: string }>('/hotline/12345/tickets', ticket('HL20261202-0002', 'gr-029'));
    const refused = await act(handed.body.caseId, USERS.clerk, {
      action: 'refuse',
      reason: 'not_city_management',
      note: '属于小区物业管理范围',
    });
    expect(refused.status).toBe(200);
    const outside = await post<{ caseId: string; outcome: string }>('/hotline/12345/tickets', {
      ...ticket('HL20261202-0003', 'gr-029'),
      location: { lat: 31.23, lon: 121.47 },
    });
    expect(outside).toMatchObject({ status: 201, body: { outcome: 'refused' } });

    await vi.waitFor(
      () => {
        expect(answersFor('HL20261202-0002')).toHaveLength(1);
        expect(answersFor('HL20261202-0003')).toHaveLength(1);
      },
      { timeout: 15_000 },
    );
    expect(answersFor('HL20261202-0002')[0]!.body.detail.data).toMatchObject({
      kind: 'send_back',
      reason: 'not_city_management',
      note: '属于小区物业管理范围',
      message: '退回：不属于城市管理职责（属于小区物业管理范围）。',
    });
    expect(answersFor('HL20261202-0003')[0]!.body.detail.data).toMatchObject({
      kind: 'send_back',
      reason: 'outside_district',
    });
  });

  it('answers a malformed ticket 400 with what is wrong, and the receiver gets only the hotline’s events', async () => {
    const bad = await post<{ message: string }>('/hotline/12345/tickets', {
      ticketNo: 'no spaces allowed',
      classId: 'street-trading',
    });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/ticketNo/);
    // Sensor cases and the other case events never reach the hotline's receiver.
    await s.publish('bin-gs-028', { ts: s.now(), fillPct: 40, temperatureC: 80 });
    await s.stack.drained();
    await vi.waitFor(() => expect(s.events().some((e) => e['detail-type'] === 'CaseOpened')).toBe(true), {
      timeout: 15_000,
    });
    expect(new Set(hotline.received.map((r) => r.body.source))).toEqual(new Set(['cityops.hotline']));
    expect(new Set(hotline.received.map((r) => r.id)).size).toBe(hotline.received.length);
  });
});
