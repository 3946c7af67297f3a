import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadDistrictDir } from '#devices/district-files';
import type { Case } from '#shared/domain/case/model';
import { siteLocation } from '#shared/domain/city-model';
import type { Detection } from '#shared/domain/payloads';
import { snapshotJpeg } from '#devices/simulators/snapshot';
import type { User } from '#shared/domain/case/actors';
import { caseStack } from '../support/case-stack.ts';
import { USERS } from '../support/users.ts';
import { tinyJpeg } from '../support/images.ts';

/**
 * Intake end to end on the local stack: a citizen's Open311 request with a photo, a market camera's detection and
 * a garbage room's overflow about one place (gr-025, 99 m from market mk-02) become one
 * registered case listing three reports, by the sample district's classification (exposed
 * garbage: merged within 150 m and 4 hours, registered on two device signals).
 */
const MIN = 60_000;
const START = Date.UTC(2026, 11, 1, 2, 0);
const model = await loadDistrictDir();
let s: Awaited<ReturnType<typeof caseStack>>;

beforeAll(async () => {
  // A device authority, so that the camera puts its snapshots with its certificate; the test's readings go by name.
  s = await caseStack(model, START, { dynamoEndpoint: inject('dynamoEndpoint'), mqttTlsPort: 0, plainMqttFor: 'all' });
});
afterAll(() => s?.stop());

const post = <T>(path: string, body: unknown) => s.post<T>(path, body);
const room = model.sites.find((x) => x.siteId === 'gr-025')!;
const roomReading = (fillPct: number, ago = 0) => ({
  ts: s.now() - ago,
  fillPct,
  temperatureC: 20,
  tiltDeg: 2,
  batteryPct: 80,
});

describe('one problem, three sources, one case', () => {
  it('a citizen’s report, a camera detection and a garbage-room overflow at one place end as one registered case', async () => {
    const near = siteLocation(room);
    // The citizen's photo: a one-time upload URL, then the body straight to the bucket.
    const photo = tinyJpeg();
    const upload = await post<{ mediaId: string; uploadUrl: string; headers: Record<string, string> }>('/media', {
      contentType: 'image/jpeg',
      size: photo.length,
    });
    expect(upload.status).toBe(201);
    expect(
      (await fetch(upload.body.uploadUrl, { method: 'PUT', headers: upload.body.headers, body: photo })).status,
    ).toBe(200);
    const mediaUrl = `${s.stack.apiUrl}/media/${upload.body.mediaId}`;
    // GeoReport v2's POST, form-encoded as the spec has it.
    const posted = await fetch(`${s.stack.apiUrl}/open311/v2/requests.json`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        service_code: 'exposed_garbage',
        lat: String(near.lat + 0.0001),
        long: String(near.lon),
        address_string: '小河路 garbage room',
        description: '垃圾堆在垃圾房外面 garbage piled outside the room',
        media_url: mediaUrl,
        first_name: 'Lei',
        last_name: 'Li',
        phone: '13900000000',
      }),
    });
    expect(posted.status).toBe(201);
    const [answer] = (await posted.json()) as { service_request_id: string; service_notice: string }[];
    const caseId = answer!.service_request_id;
    const reported = (await s.api<Case>(`/cases/${caseId}`)).body;
    expect(reported).toMatchObject({
      status: 'received',
      source: 'public',
      classId: 'exposed-garbage',
      gridId: room.gridId,
    });
    await s.event(caseId, 'CaseReported');

    // The market camera sees litter: three detections over five minutes raise market_litter.
    // Each detection names its snapshot, which the camera puts in the bucket's snapshots/<thing>/ itself.
    const litter = (ago: number) => ({
      ts: s.now() - ago,
      detections: [
        {
          type: 'litter_pile',
          zoneId: 'mk-02-frontage',
          confidence: 0.8,
          bbox: [0.3, 0.4, 0.2, 0.2],
          snapshotKey: `snapshots/cam-gs-m2-a/${s.now() - ago}.jpg`,
        },
      ],
    });
    const readings = [litter(6 * MIN), litter(4 * MIN), litter(1 * MIN), litter(30_000)];
    const snapshot = snapshotJpeg(readings[0]!.detections as Detection[]);
    for (const r of readings) {
      expect(await s.putSnapshot(r.detections[0]!.snapshotKey, snapshot)).toBe(200);
    }
    await s.publish('cam-gs-m2-a', ...readings);
    await s.stack.drained();
    await s.event(caseId, 'CaseMerged');
    const afterCamera = (await s.api<Case>(`/cases/${caseId}`)).body;
    expect(afterCamera.status).toBe('received');
    expect(afterCamera.reports!.map((r) => r.source)).toEqual(['public', 'video']);

    // The room's sensor: two readings over 90 % raise the overflow, the second signal the class needs.
    await s.publish('bin-gs-025', roomReading(93, 20_000), roomReading(96, 10_000));
    await s.stack.drained();
    await s.event(caseId, 'CaseRegistered');
    const registered = (await s.api<Case>(`/cases/${caseId}`)).body;
    expect(registered).toMatchObject({ status: 'open', registeredAt: expect.any(Number) });
    expect(registered.reports!.map((r) => [r.source, r.category])).toEqual([
      ['public', 'exposed_garbage'],
      ['video', 'market_litter'],
      ['iot', 'garbage_overflow'],
    ]);
    expect(registered.reports![0]).toMatchObject({ media: [upload.body.mediaId], reporter: { name: 'Lei Li' } });
    // The camera's report lists its snapshots as media, read like the citizen's photo.
    const snapshots = registered.reports![1]!.media;
    expect(snapshots.length).toBeGreaterThanOrEqual(1);
    for (const id of snapshots) expect(readings.map((r) => `sn~cam-gs-m2-a~${r.ts}.jpg`)).toContain(id);
    const seen = await fetch(`${s.stack.apiUrl}/media/${snapshots.at(-1)}`);
    expect(seen.headers.get('content-type')).toBe('image/jpeg');
    expect(Buffer.from(await seen.arrayBuffer())).toEqual(snapshot);

    // The photo comes back through the case and through Open311's media_url.
    const request = (await s.api<{ media_url: string; status: string }[]>(`/open311/v2/requests/${caseId}.json`)).body;
    expect(request[0]).toMatchObject({ media_url: mediaUrl, status: 'open' });
    const image = await fetch(request[0]!.media_url);
    expect(image.headers.get('content-type')).toBe('image/jpeg');
    expect(Buffer.from(await image.arrayBuffer())).toEqual(photo);
    expect(registered.history.at(-1)).toMatchObject({ action: 'register', actor: 'cityops' });

    // No other case for the camera or the room: their signals went to this one.
    const all = (await s.api<{ items: Case[] }>('/cases?limit=500')).body.items;
    expect(all.filter((c) => c.siteId === 'gr-025' || c.siteId === 'mk-02').map((c) => c.caseId)).toEqual([]);
    expect(all.filter((c) => c.caseId === caseId)).toHaveLength(1);

    // The room's overflow clears: the case others reported too stays with the unit.
    await s.publish('bin-gs-025', roomReading(10));
    await s.stack.drained();
    expect((await s.api<Case>(`/cases/${caseId}`)).body.status).toBe('open');
  });

  it('a report outside the district is refused with its reason, and says so in an event', async () => {
    const refused = await post<{ outcome: string; case: Case }>('/cases/reports', {
      source: 'hotline_12345',
      classId: 'street-trading',
      location: { lat: 31.23, lon: 121.47 },
      description: 'stalls on the pavement',
    });
    expect(refused.status).toBe(201);
    expect(refused.body).toMatchObject({
      outcome: 'refused',
      case: { status: 'refused', refusal: { reason: 'outside_district' }, source: 'hotline_12345' },
    });
    await s.event(refused.body.case.caseId, 'CaseRefused');
  });

  it('an inspector’s report is theirs, signed in; the intake clerk sends it for an on-site check, then refuses it (reason)', async () => {
    const report = {
      source: 'inspector',
      classId: 'posters-graffiti',
      componentId: 'gr-001',
      description: 'posters on the garbage room wall',
    };
    // Staff's reports are sent signed in, by someone in the source's role, and name no reporter of their own.
    expect((await post('/cases/reports', report)).status).toBe(401);
    expect(await s.post('/cases/reports', report, USERS.gridWorker)).toMatchObject({
      status: 403,
      body: { message: expect.stringContaining('a report from source inspector is for 监督员 (inspector)') },
    });
    expect(
      (await s.post('/cases/reports', { ...report, reporter: { id: 'inspector-07' } }, USERS.inspector)).status,
    ).toBe(400);
    const reported = await s.post<{ case: Case }>('/cases/reports', report, USERS.inspector);
    expect(reported.status).toBe(201);
    expect(reported.body.case.reports![0]!.reporter).toEqual({ id: USERS.inspector.username });
    const caseId = reported.body.case.caseId;
    const act = (user: User, body: Record<string, unknown>) => s.act(caseId, user, body);
    expect((await act(USERS.clerk, { action: 'check' })).body.status).toBe('checking');
    const noReason = await act(USERS.clerk, { action: 'refuse' });
    expect(noReason.status).toBe(400);
    expect(noReason.body.message).toMatch(/reason/);
    const refused = await act(USERS.clerk, {
      action: 'refuse',
      reason: 'not_found_on_site',
      note: 'wall is clean',
    });
    expect(refused.body).toMatchObject({
      status: 'refused',
      refusal: { reason: 'not_found_on_site', actor: USERS.clerk.username },
    });
    expect((await act(USERS.dispatcher, { action: 'dispatch' })).status).toBe(409);
    await s.event(caseId, 'CaseRefused');
  });
});
