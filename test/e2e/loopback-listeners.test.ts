import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it, vi } from 'vitest';
import { systemClock } from '#shared/adapters/clock';
import { loadDistrictDir } from '#devices/district-files';
import { quietObserver, startLocalStack, type LocalStack } from '#infra/local/stack';
import { isLoopbackAddress, listeners } from '../support/listeners.ts';

const model = await loadDistrictDir();
let stack: LocalStack | undefined;
afterAll(() => stack?.stop());

const portOf = (url: string) => Number(new URL(url).port);
const pidIn = (dataDir: string) =>
  Number(
    readFileSync(join(dataDir, 'dynamodb', 'dynamodb-local.pid'), 'utf8')
      .trim()
      .split(/\s+/)[0],
  );

/**
 * Every socket the stack listens on (this test's process and its DynamoDB Local's JVM,
 * read from /proc as `ss -ltnp` does) is bound to loopback: nothing on 0.0.0.0 or ::.
 */
describe('the stack listens on loopback only', () => {
  it('the broker (plain and TLS), the ops API and DynamoDB Local, also after DynamoDB Local is killed and started again', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'cityops-loopback-'));
    stack = await startLocalStack({
      clock: systemClock,
      dataDir,
      model,
      mqttPort: 0,
      mqttTlsPort: 0,
      apiPort: 0,
      schedules: false,
      users: [],
      observer: quietObserver(),
    });
    const ports = [stack.mqttUrl, stack.mqttsUrl!, stack.apiUrl, stack.dynamoEndpoint].map(portOf);
    const stackListeners = (jvm: number) => listeners([process.pid, jvm]).filter((l) => l.pid !== undefined);

    const first = pidIn(dataDir);
    const before = stackListeners(first);
    expect(before.map((l) => l.port).sort()).toEqual(expect.arrayContaining(ports.sort()));
    expect(before.filter((l) => !isLoopbackAddress(l.address))).toEqual([]);
    expect(before.find((l) => l.pid === first)).toMatchObject({
      address: '127.0.0.1',
      port: portOf(stack.dynamoEndpoint),
    });

    // Killed (kill -9) and started again by the stack on the same port: loopback again.
    process.kill(first, 'SIGKILL');
    await vi.waitFor(
      async () => {
        const again = pidIn(dataDir);
        expect(again).not.toBe(first);
        expect((await fetch(`${stack!.apiUrl}/health`)).status).toBe(200);
      },
      { timeout: 60_000, interval: 250 },
    );
    const second = pidIn(dataDir);
    const after = stackListeners(second);
    expect(after.find((l) => l.pid === second)).toMatchObject({
      address: '127.0.0.1',
      port: portOf(stack.dynamoEndpoint),
    });
    expect(after.filter((l) => !isLoopbackAddress(l.address))).toEqual([]);
    // Nobody else holds the port on another address either.
    expect(listeners().filter((l) => ports.includes(l.port) && !isLoopbackAddress(l.address))).toEqual([]);
  }, 120_000);

  it('the tests’ own DynamoDB Local (the global setup’s)', () => {
    const port = portOf(inject('dynamoEndpoint'));
    const held = listeners().filter((l) => l.port === port);
    expect(held.length).toBeGreaterThan(0);
    expect(held.filter((l) => !isLoopbackAddress(l.address))).toEqual([]);
  });
});
