import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Aedes } from 'aedes';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { mutualTls } from '#devices/tls';
import { runFleet } from '#devices/fleet-runner';
import { buildFleet } from '#devices/scenarios';
import { loadDistrictDir } from '#devices/district-files';

/** A CA, a server certificate for 127.0.0.1 and a client certificate per thing, made with openssl. */
function pki(dir: string, things: string[]) {
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  ssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
    '-days',
    '2',
    '-subj',
    '/CN=test-ca',
  );
  const issue = (name: string, out: string, extra: string[] = []) => {
    ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${out}.key`, '-out', `${out}.csr`, '-subj', `/CN=${name}`);
    ssl(
      'x509',
      '-req',
      '-in',
      `${out}.csr`,
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      `${out}.crt`,
      '-days',
      '2',
      ...extra,
    );
  };
  issue('127.0.0.1', 'server', ['-extfile', writeExt(dir)]);
  for (const thing of things) {
    mkdirSync(join(dir, 'certs', thing), { recursive: true });
    issue(thing, join('certs', thing, 'client'));
    execFileSync('cp', [join(dir, 'certs', thing, 'client.crt'), join(dir, 'certs', thing, 'certificate.pem.crt')]);
    execFileSync('cp', [join(dir, 'certs', thing, 'client.key'), join(dir, 'certs', thing, 'private.pem.key')]);
  }
}
function writeExt(dir: string) {
  execFileSync('sh', ['-c', `printf 'subjectAltName=IP:127.0.0.1\\n' > ${join(dir, 'ext.cnf')}`]);
  return 'ext.cnf';
}

describe('the fleet over mutual TLS (as to AWS IoT Core)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mtls-'));
  const things = ['bin-gs-001', 'cam-gs-m1-a'];
  const received: string[] = [];
  let broker: Aedes;
  let server: ReturnType<typeof createServer>;
  let url: string;

  beforeAll(async () => {
    pki(dir, things);
    broker = await Aedes.createBroker({
      // As IoT Core does, the certificate names the thing: the client id must match it.
      authenticate: (client, _u, _p, done) => {
        const cn = (
          client.conn as unknown as { getPeerCertificate(): { subject: { CN: string } } }
        ).getPeerCertificate().subject.CN;
        done(null, cn === client.id);
      },
      authorizePublish: (client, packet, done) => {
        received.push(`${client?.id} ${packet.topic}`);
        done(null);
      },
    });
    server = createServer(
      {
        key: readFileSync(join(dir, 'server.key')),
        cert: readFileSync(join(dir, 'server.crt')),
        ca: readFileSync(join(dir, 'ca.crt')),
        requestCert: true,
        rejectUnauthorized: true,
      },
      broker.handle,
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `mqtts://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => broker.close(() => resolve()));
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('connects each device with its own certificate through the same runner, and publishes', async () => {
    const model = await loadDistrictDir();
    const devices = model.devices.filter((d) => things.includes(d.thing));
    const clock = { now: () => Date.now() };
    const fleet = await runFleet({
      brokerUrl: url,
      simulators: buildFleet(model, 'normal', clock.now(), devices),
      clock,
      connectOptions: mutualTls(join(dir, 'certs'), join(dir, 'ca.crt')),
    });
    try {
      await vi.waitFor(
        () => {
          expect(received).toContain('bin-gs-001 dt/cityops/bins/bin-gs-001/fill');
          expect(received).toContain('cam-gs-m1-a dt/cityops/cameras/cam-gs-m1-a/detections');
        },
        { timeout: 15_000 },
      );
    } finally {
      await fleet.stop();
    }
  });

  it('is refused without a client certificate, or with another thing’s', async () => {
    await expect(
      mqtt.connectAsync(url, {
        clientId: 'bin-gs-001',
        ca: readFileSync(join(dir, 'ca.crt')),
        reconnectPeriod: 0,
        connectTimeout: 5000,
      }),
    ).rejects.toThrow();
    const other = mutualTls(join(dir, 'certs'), join(dir, 'ca.crt'))('cam-gs-m1-a');
    await expect(
      mqtt.connectAsync(url, { clientId: 'bin-gs-001', ...other, reconnectPeriod: 0, connectTimeout: 5000 }),
    ).rejects.toThrow(/Not authorized|Bad username|refused/i);
  });
});
