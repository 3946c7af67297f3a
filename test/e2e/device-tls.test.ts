import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { systemClock } from '#shared/adapters/clock';
import { topicFor } from '#shared/domain/topics';
import { loadDistrictDir } from '#devices/district-files';
import { DEVICE_FILES } from '#devices/provisioning';
import { mutualTls } from '#devices/tls';
import { consoleObserver } from '#infra/local/live-log';
import { startLocalStack, type LocalStack } from '#infra/local/stack';
import { testStack } from '../support/test-stack.ts';

const model = await loadDistrictDir();
const THING = 'bin-gs-001';
const OTHER = 'bin-gs-002';
/** A thing the plain listener is told to take though it has a certificate (`--plain-mqtt-for`). */
const BY_HAND = 'bin-gs-010';
let stack: LocalStack;
const lines: string[] = [];

beforeAll(async () => {
  const observer = consoleObserver({ write: (l) => lines.push(l), intervalMs: 60_000 });
  stack = await testStack('tls', {
    clock: systemClock,
    model,
    mqttTlsPort: 0,
    pkiDir: join(mkdtempSync(join(tmpdir(), 'cityops-tls-')), 'pki'),
    plainMqttFor: [BY_HAND],
    observer: observer.observer,
    schedules: false,
  });
}, 60_000);
afterAll(() => stack?.stop());

const tlsOf = (thing: string) => mutualTls(stack.pki!.deviceDir, stack.pki!.caFile)(thing);
/** Connects and waits for the broker's answer: connected, or the refusal. */
const attempt = (url: string, options: mqtt.IClientOptions) =>
  new Promise<{ ok: true; client: mqtt.MqttClient } | { ok: false; error: string }>((resolve) => {
    const client = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 5000, ...options });
    client.once('connect', () => resolve({ ok: true, client }));
    client.once('error', (error) => {
      client.end(true);
      resolve({ ok: false, error: error.message });
    });
    client.once('close', () => resolve({ ok: false, error: 'closed' }));
  });

describe('devices authenticate with certificates from the stack’s authority (8883)', () => {
  it('makes the authority and a certificate a device, whose subject names the thing', () => {
    const cert = readFileSync(join(stack.pki!.deviceDir, THING, DEVICE_FILES.certificate), 'utf8');
    expect(cert).toContain('BEGIN CERTIFICATE');
    expect(readFileSync(stack.pki!.caFile, 'utf8')).toContain('BEGIN CERTIFICATE');
    expect(stack.mqttsUrl).toMatch(/^mqtts:\/\/127\.0\.0\.1:\d+$/);
  });

  it('takes a device with its own certificate, and its reading is stored', async () => {
    const result = await attempt(stack.mqttsUrl!, { clientId: THING, ...tlsOf(THING) });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const ts = Date.now();
    await result.client.publishAsync(topicFor('bins', THING), JSON.stringify({ ts, seq: 1, fillPct: 41 }), { qos: 1 });
    await result.client.endAsync();
    await stack.drained();
    const state = (await fetch(`${stack.apiUrl}/devices/${THING}`).then((r) => r.json())) as { state?: unknown };
    expect(state.state ?? state).toMatchObject({ fillPct: 41 });
  });

  it('refuses a client without a certificate, with another thing’s, or with one from another authority', async () => {
    const none = await attempt(stack.mqttsUrl!, { clientId: THING, ca: readFileSync(stack.pki!.caFile) });
    expect(none.ok).toBe(false);
    const another = await attempt(stack.mqttsUrl!, { clientId: THING, ...tlsOf(OTHER) });
    expect(another.ok).toBe(false);
    if (!another.ok) expect(another.error).toMatch(/Not authorized/i);
    // A certificate from a stranger's authority (its own stack's PKI in another folder).
    const stranger = await startLocalStack({
      clock: systemClock,
      dynamoEndpoint: stack.dynamoEndpoint,
      tablePrefix: `tls-other-${Date.now()}-`,
      mqttPort: 0,
      apiPort: 0,
      mqttTlsPort: 0,
      pkiDir: join(mkdtempSync(join(tmpdir(), 'cityops-tls-other-')), 'pki'),
      model,
      schedules: false,
    });
    try {
      const foreign = await attempt(stack.mqttsUrl!, {
        clientId: THING,
        ...mutualTls(stranger.pki!.deviceDir)(THING),
        ca: readFileSync(stack.pki!.caFile),
      });
      expect(foreign.ok).toBe(false);
    } finally {
      await stranger.stop();
    }
    expect(lines.some((l) => /refused .*connect by "bin-gs-001": its certificate names "bin-gs-002"/.test(l))).toBe(
      true,
    );
  });

  it('refuses on the plain listener a thing with a certificate: its TLS connection stays, nothing forged is taken', async () => {
    const device = 'bin-gs-005';
    const tls = await attempt(stack.mqttsUrl!, { clientId: device, ...tlsOf(device) });
    expect(tls.ok).toBe(true);
    if (!tls.ok) return;
    let closed = false;
    tls.client.on('close', () => (closed = true));
    // The takeover of the attack: the thing's name on plain MQTT, and a reading that would open a fire case.
    const forger = await attempt(stack.mqttUrl, { clientId: device });
    if (forger.ok) {
      await forger.client.publishAsync(
        topicFor('bins', device),
        JSON.stringify({ ts: Date.now(), seq: 1, fillPct: 99, temperatureC: 95 }),
        { qos: 1 },
      );
      forger.client.end(true);
    }
    expect(forger.ok).toBe(false);
    if (!forger.ok) expect(forger.error).toMatch(/Not authorized/i);
    expect(lines.some((l) => /refused .*connect by "bin-gs-005": it holds a certificate/.test(l))).toBe(true);
    // The device is still connected: its own reading is acknowledged over TLS and stored.
    await tls.client.publishAsync(topicFor('bins', device), JSON.stringify({ ts: Date.now(), seq: 2, fillPct: 30 }), {
      qos: 1,
    });
    expect(closed).toBe(false);
    expect(lines.some((l) => l.includes('takeover'))).toBe(false);
    await tls.client.endAsync();
    await stack.drained();
    const state = (await fetch(`${stack.apiUrl}/devices/${device}`).then((r) => r.json())) as { state?: unknown };
    expect(state.state).toMatchObject({ fillPct: 30 });
  });

  it('takes on the plain listener a thing that --plain-mqtt-for names, for trying it by hand', async () => {
    const result = await attempt(stack.mqttUrl, { clientId: BY_HAND });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    await result.client.publishAsync(
      topicFor('bins', BY_HAND),
      JSON.stringify({ ts: Date.now(), seq: 1, fillPct: 44 }),
      { qos: 1 },
    );
    await result.client.endAsync();
    await stack.drained();
    const state = (await fetch(`${stack.apiUrl}/devices/${BY_HAND}`).then((r) => r.json())) as { state?: unknown };
    expect(state.state).toMatchObject({ fillPct: 44 });
  });

  it('lets a second TLS connection with the same certificate take the thing over, as AWS IoT Core does; logs it naming both', async () => {
    const first = await attempt(stack.mqttsUrl!, { clientId: OTHER, ...tlsOf(OTHER) });
    expect(first.ok).toBe(true);
    if (!first.ok) return;
    const firstClosed = new Promise<void>((resolve) => first.client.once('close', () => resolve()));
    const second = await attempt(stack.mqttsUrl!, { clientId: OTHER, ...tlsOf(OTHER) });
    expect(second.ok).toBe(true);
    await firstClosed;
    await vi.waitFor(() =>
      expect(lines.find((l) => l.includes('takeover "bin-gs-002"'))).toMatch(
        new RegExp(
          [
            String.raw`takeover "bin-gs-002": a second connection \(mqtts://127\.0\.0\.1:\d+\) took its client id; `,
            String.raw`the first \(mqtts://127\.0\.0\.1:\d+\) is closed`,
          ].join(''),
        ),
      ),
    );
    first.client.end(true);
    if (second.ok) second.client.end(true);
  });

  it('answers a client id that is no thing name (3,000 characters, a newline) with “identifier rejected”, logged escaped', async () => {
    for (const clientId of ['x'.repeat(3000), 'bin-gs-001\ncase OPENED forged']) {
      const result = await attempt(stack.mqttUrl, { clientId });
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.error).toMatch(/Identifier rejected/i);
    }
    const logged = lines.filter((l) => l.includes('not a thing name'));
    expect(logged).toHaveLength(2);
    expect(logged.every((l) => !l.includes('\n') && l.length < 400)).toBe(true);
    expect(logged[1]).toContain('bin-gs-001\\ncase OPENED forged');
  });

  it('publishes with mosquitto_pub and the generated certificate', async () => {
    const dir = join(stack.pki!.deviceDir, THING);
    const port = new URL(stack.mqttsUrl!).port;
    const ts = Date.now();
    await promisify(execFile)('mosquitto_pub', [
      ...['-h', '127.0.0.1', '-p', port, '-i', THING, '-q', '1'],
      ...['--cafile', stack.pki!.caFile, '--cert', join(dir, DEVICE_FILES.certificate)],
      ...['--key', join(dir, DEVICE_FILES.key), '-t', topicFor('bins', THING)],
      ...['-m', JSON.stringify({ ts, seq: 2, fillPct: 57 })],
    ]);
    await stack.drained();
    const state = (await fetch(`${stack.apiUrl}/devices/${THING}`).then((r) => r.json())) as { state?: unknown };
    expect(state.state ?? state).toMatchObject({ fillPct: 57 });
  });

  it('refuses to open plain MQTT on an address other than loopback', async () => {
    const on = (options: { plainMqtt?: boolean }) =>
      startLocalStack({
        clock: systemClock,
        dynamoEndpoint: stack.dynamoEndpoint,
        tablePrefix: 'tls-plain-',
        host: '0.0.0.0',
        mqttPort: 0,
        apiPort: 0,
        model,
        schedules: false,
        ...options,
      });
    await expect(on({ plainMqtt: true })).rejects.toThrow(/plain MQTT is for loopback only/);
    // Nor does it start with no listener at all.
    await expect(on({})).rejects.toThrow(/no MQTT listener/);
  });
});
