import 'reflect-metadata';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreatePolicyCommand,
  DescribeCertificateCommand,
  IoTClient,
  ListThingPrincipalsCommand,
} from '@aws-sdk/client-iot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEVICE_FILES, deprovisionDevice, provisionDevice } from '#devices/provisioning';
import { freePort } from '#infra/local/listen';
import type { Device } from '#shared/domain/city-model';

/*
 * Provisioning against moto_server, an emulator of the AWS IoT API (the `moto` Python
 * package, on this machine's image): the device's key stays in its folder; AWS IoT signs a
 * certificate for the key's request.
 */
let moto: ChildProcess;
let iot: IoTClient;
const out = mkdtempSync(join(tmpdir(), 'certs-'));
const device: Device = {
  thing: 'bin-gs-031',
  kind: 'bins',
  districtId: 'gongshu',
  siteId: 'gr-031',
  expectedIntervalSeconds: 300,
};

beforeAll(async () => {
  const port = await freePort();
  moto = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
  const endpoint = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (
      await fetch(`${endpoint}/moto-api/`).then(
        (r) => r.ok,
        () => false,
      )
    )
      break;
    if (i > 100)
      throw new Error('moto_server did not start (is the moto Python package installed? tools/prepare-machine.sh)');
    await new Promise((r) => setTimeout(r, 100));
  }
  iot = new IoTClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  // What the stateless stack makes: the kind's device policy.
  await iot.send(
    new CreatePolicyCommand({
      policyName: 'cityops-dev-bins-device',
      policyDocument: '{"Version":"2012-10-17","Statement":[]}',
    }),
  );
});

afterAll(() => {
  moto?.kill();
  rmSync(out, { recursive: true, force: true });
});

describe('provisioning against the AWS IoT API (moto_server)', () => {
  it('gets a certificate by its CSR (CreateCertificateFromCsr), attached to its thing; the key stays in its folder', async () => {
    const result = await provisionDevice(iot, device, out);
    expect(result.created).toEqual({ thingType: true, thing: true, certificate: true });
    const dir = join(out, device.thing);
    expect(readdirSync(dir).sort()).toEqual([DEVICE_FILES.certificate, DEVICE_FILES.csr, DEVICE_FILES.key].sort());
    const { certificateDescription } = await iot.send(
      new DescribeCertificateCommand({ certificateId: result.certificateArn.split('/').pop()! }),
    );
    expect(certificateDescription?.status).toBe('ACTIVE');
    // (moto signs a key of its own rather than the request's, so that the certificate certifies the
    // device's key is checked against the request in test/unit/provisioning.test.ts.)
    expect(readFileSync(join(dir, DEVICE_FILES.csr), 'utf8')).toMatch(/^-----BEGIN CERTIFICATE REQUEST-----/);
    expect(readFileSync(join(dir, DEVICE_FILES.key), 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(readFileSync(join(dir, DEVICE_FILES.certificate), 'utf8')).toBe(certificateDescription!.certificatePem);
    const { principals } = await iot.send(new ListThingPrincipalsCommand({ thingName: device.thing }));
    expect(principals).toEqual([result.certificateArn]);
  });

  it('creates nothing twice, and removes what it made', async () => {
    const again = await provisionDevice(iot, device, out);
    // (moto accepts a thing type made twice, where AWS answers that it exists.)
    expect(again.created).toMatchObject({ thing: false, certificate: false });
    const removed = await deprovisionDevice(iot, device.thing, out, { sleep: async () => {} });
    expect(removed).toMatchObject({ thing: device.thing, found: true });
    expect(removed.deletedCertificates).toHaveLength(1);
  });
});
