import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { vi } from 'vitest';
import type { Case } from '#shared/domain/case/model';
import type { User } from '#shared/domain/case/actors';
import { topicFor } from '#shared/domain/topics';
import { isDeviceKind } from '#shared/domain/device-kinds';
import type { CityModel } from '#shared/domain/city-model';
import type { LocalStack, LocalStackOptions } from '#infra/local/stack';
import { testStack } from './test-stack.ts';
import { putSnapshot } from '#devices/snapshot-upload';
import { DEVICE_FILES } from '#devices/provisioning';

/** A local stack on the run's DynamoDB Local, on a clock the test moves, with MQTT helpers. */
export async function caseStack(model: CityModel, start: number, extra: Partial<LocalStackOptions> = {}) {
  let t = start;
  const clock = { now: () => t };
  const dataDir = extra.dataDir ?? mkdtempSync(join(tmpdir(), 'cityops-e2e-'));
  const stack: LocalStack = await testStack('cases', { clock, model, dataDir, batchWindowMs: 20, ...extra });
  const clients = new Map<string, MqttClient>();
  const client = async (thing: string) => {
    let c = clients.get(thing);
    if (!c) {
      c = await mqtt.connectAsync(stack.mqttUrl, { clientId: thing, reconnectPeriod: 0 });
      clients.set(thing, c);
    }
    return c;
  };
  let seq = 0;
  return {
    stack,
    dataDir,
    now: () => t,
    advance: (ms: number) => (t += ms),
    /** Publishes readings (QoS 1) as the thing, `ts` relative to the clock. */
    async publish(thing: string, ...payloads: Record<string, unknown>[]) {
      const kind = model.devices.find((d) => d.thing === thing)!.kind;
      if (!isDeviceKind(kind)) throw new Error(kind);
      const c = await client(thing);
      for (const p of payloads)
        await c.publishAsync(topicFor(kind, thing), JSON.stringify({ seq: ++seq, ...p }), { qos: 1 });
    },
    /**
     * A camera's snapshot put as the camera does: with its own certificate, on the stack's
     * snapshot listener (the stack needs a device authority: `mqttTlsPort`); `as` another
     * thing's certificate, for the refusals.
     */
    putSnapshot(snapshotKey: string, body: Buffer, as = snapshotKey.split('/')[1]!, contentType = 'image/jpeg') {
      if (!stack.pki || !stack.snapshotsUrl) throw new Error('this stack has no device authority (give mqttTlsPort)');
      const dir = join(stack.pki.deviceDir, as);
      return putSnapshot(
        stack.snapshotsUrl,
        snapshotKey,
        body,
        {
          key: readFileSync(join(dir, DEVICE_FILES.key)),
          cert: readFileSync(join(dir, DEVICE_FILES.certificate)),
          ca: stack.pki.ca,
        },
        contentType,
      );
    },
    /** A signed-in user's `Authorization` header (a token of the stack's sign-in). */
    async bearer(user: User): Promise<{ authorization: string }> {
      return { authorization: `Bearer ${await stack.signIn.tokenFor(user)}` };
    },
    /** A case transition as a signed-in user. */
    async act<T = Case & { message?: string }>(caseId: string, user: User, body: Record<string, unknown>) {
      return this.api<T>(`/cases/${caseId}/transitions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(await this.bearer(user)) },
        body: JSON.stringify(body),
      });
    },
    /** A JSON POST to the API, signed in as `user` when one is given. */
    async post<T = unknown>(path: string, body: unknown, user?: User) {
      return this.api<T>(path, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(user ? await this.bearer(user) : {}) },
        body: JSON.stringify(body),
      });
    },
    /** A JPEG uploaded as a person's app does (a one-time URL from POST /media, then the body); its media id. */
    async uploadJpeg(body: Buffer): Promise<string> {
      const upload = await this.post<{ mediaId: string; uploadUrl: string; headers: Record<string, string> }>(
        '/media',
        { contentType: 'image/jpeg', size: body.length },
      );
      const put = await fetch(upload.body.uploadUrl, { method: 'PUT', headers: upload.body.headers, body });
      if (put.status !== 200) throw new Error(`the upload answered ${put.status}`);
      return upload.body.mediaId;
    },
    async api<T = unknown>(path: string, init?: RequestInit): Promise<{ status: number; body: T }> {
      const response = await fetch(`${stack.apiUrl}${path}`, init);
      return { status: response.status, body: (await response.json()) as T };
    },
    async cases(siteId: string, category: string): Promise<Case[]> {
      const { body } = await this.api<{ items: Case[] }>(`/cases?category=${category}&limit=500`);
      return body.items.filter((c) => c.siteId === siteId);
    },
    /** Waits for exactly one case of the category at the site, in the expected status. */
    async oneCase(siteId: string, category: string, status: string): Promise<Case> {
      let found: Case | undefined;
      await vi.waitFor(
        async () => {
          const list = await this.cases(siteId, category);
          if (list.length !== 1 || list[0]!.status !== status)
            throw new Error(`${siteId} ${category}: ${JSON.stringify(list.map((c) => c.status))}`);
          found = list[0];
        },
        { timeout: 15_000, interval: 100 },
      );
      return found!;
    },
    events(): { 'detail-type': string; detail: { metadata: { id: string }; data: Case } }[] {
      try {
        return readFileSync(stack.eventsFile, 'utf8')
          .trim()
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l));
      } catch {
        return [];
      }
    },
    async event(caseId: string, type: string) {
      await vi.waitFor(
        () => {
          if (!this.events().some((e) => e['detail-type'] === type && e.detail.data.caseId === caseId))
            throw new Error(`no ${type} for ${caseId}`);
        },
        { timeout: 15_000, interval: 100 },
      );
    },
    async stop() {
      await Promise.all([...clients.values()].map((c) => c.endAsync(true)));
      await stack.stop();
    },
  };
}
