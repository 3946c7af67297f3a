import { mkdtempSync, statSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import {
  AttachPolicyCommand,
  AttachThingPrincipalCommand,
  CreateCertificateFromCsrCommand,
  CreateThingCommand,
  CreateThingTypeCommand,
  DeleteCertificateCommand,
  DeleteThingCommand,
  DescribeEndpointCommand,
  DescribeThingCommand,
  DetachPolicyCommand,
  DetachThingPrincipalCommand,
  InvalidRequestException,
  IoTClient,
  ListAttachedPoliciesCommand,
  ListThingPrincipalsCommand,
  ResourceAlreadyExistsException,
  ResourceNotFoundException,
  UpdateCertificateCommand,
} from '@aws-sdk/client-iot';
import 'reflect-metadata';
import { createPublicKey } from 'node:crypto';
import { Pkcs10CertificateRequest } from '@peculiar/x509';
import { dataEndpoint, deprovisionDevice, provisionDevice } from '#devices/provisioning';
import type { Device } from '#shared/domain/city-model';

/** A pretend IoT account behind the mocked client: what exists, and every create call. */
function account() {
  const iot = mockClient(IoTClient);
  const thingTypes = new Set<string>();
  const things = new Map<string, Record<string, string>>();
  const principals = new Map<string, Set<string>>();
  const policies = new Map<string, Set<string>>();
  let certs = 0;
  const requests: string[] = [];
  const meta = { $metadata: {} };
  iot.on(CreateThingTypeCommand).callsFake(({ thingTypeName }) => {
    if (thingTypes.has(thingTypeName))
      throw new ResourceAlreadyExistsException({ message: 'exists', resourceId: thingTypeName, ...meta });
    thingTypes.add(thingTypeName);
    return {};
  });
  iot.on(DescribeThingCommand).callsFake(({ thingName }) => {
    if (!things.has(thingName)) throw new ResourceNotFoundException({ message: 'no such thing', ...meta });
    return { thingName, attributes: things.get(thingName) };
  });
  iot.on(CreateThingCommand).callsFake(({ thingName, attributePayload }) => {
    things.set(thingName, attributePayload.attributes);
    return { thingName };
  });
  iot.on(ListThingPrincipalsCommand).callsFake(({ thingName }) => {
    if (!things.has(thingName)) throw new ResourceNotFoundException({ message: 'no such thing', ...meta });
    return { principals: [...(principals.get(thingName) ?? [])] };
  });
  // As in AWS, a detached principal lingers a moment: the first DeleteThing after a detach is refused.
  let detaching = false;
  iot
    .on(DetachThingPrincipalCommand)
    .callsFake(({ thingName, principal }) => (principals.get(thingName)?.delete(principal), (detaching = true), {}));
  iot
    .on(ListAttachedPoliciesCommand)
    .callsFake(({ target }) => ({ policies: [...(policies.get(target) ?? [])].map((policyName) => ({ policyName })) }));
  iot.on(DetachPolicyCommand).callsFake(({ policyName, target }) => (policies.get(target)?.delete(policyName), {}));
  const inactive = new Set<string>();
  const deletedCerts: string[] = [];
  iot
    .on(UpdateCertificateCommand)
    .callsFake(({ certificateId, newStatus }) => (newStatus === 'INACTIVE' && inactive.add(certificateId), {}));
  iot.on(DeleteCertificateCommand).callsFake(({ certificateId }) => {
    if (!inactive.has(certificateId)) throw new InvalidRequestException({ message: 'certificate is active', ...meta });
    if ([...policies].some(([target, p]) => target.endsWith(`/${certificateId}`) && p.size))
      throw new InvalidRequestException({ message: 'policies attached', ...meta });
    deletedCerts.push(certificateId);
    return {};
  });
  iot.on(DeleteThingCommand).callsFake(({ thingName }) => {
    if (detaching || principals.get(thingName)?.size) {
      detaching = false;
      throw new InvalidRequestException({ message: 'thing has principals', ...meta });
    }
    things.delete(thingName);
    return {};
  });
  iot.on(CreateCertificateFromCsrCommand).callsFake(({ certificateSigningRequest }) => {
    certs++;
    requests.push(certificateSigningRequest);
    return { certificateArn: `arn:aws:iot:eu-west-1:1:cert/c${certs}`, certificatePem: `CERT ${certs}` };
  });
  iot
    .on(AttachPolicyCommand)
    .callsFake(
      ({ policyName, target }) => (policies.set(target, (policies.get(target) ?? new Set()).add(policyName)), {}),
    );
  iot
    .on(AttachThingPrincipalCommand)
    .callsFake(
      ({ thingName, principal }) => (
        principals.set(thingName, (principals.get(thingName) ?? new Set()).add(principal)), {}
      ),
    );
  iot.on(DescribeEndpointCommand).resolves({ endpointAddress: 'abc123-ats.iot.eu-west-1.amazonaws.com' });
  return { iot, thingTypes, things, principals, policies, deletedCerts, requests, certs: () => certs };
}

const device: Device = {
  thing: 'bin-gs-001',
  kind: 'bins',
  districtId: 'gongshu',
  siteId: 'gr-001',
  expectedIntervalSeconds: 300,
};
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
/** The SubjectPublicKeyInfo (DER) of a PEM private key's public half. */
const publicKeyOf = async (privatePem: string) =>
  createPublicKey(privatePem).export({ type: 'spki', format: 'der' }) as Buffer;

const outDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'certs-'));
  dirs.push(d);
  return d;
};

describe('provisioning devices in AWS IoT', () => {
  it('creates the thing type, the thing with its attributes, keys and certificate, and attaches policy and thing', async () => {
    const a = account();
    const out = outDir();
    const result = await provisionDevice(new IoTClient({ region: 'eu-west-1' }), device, out);
    expect(result.created).toEqual({ thingType: true, thing: true, certificate: true });
    expect(a.thingTypes).toEqual(new Set(['cityops-dev-bins']));
    expect(a.things.get('bin-gs-001')).toEqual({ kind: 'bins', site: 'gr-001', district: 'gongshu' });
    expect(a.policies.get(result.certificateArn)).toEqual(new Set(['cityops-dev-bins-device']));
    expect(a.principals.get('bin-gs-001')).toEqual(new Set([result.certificateArn]));
    expect(readFileSync(join(out, 'bin-gs-001', 'certificate.pem.crt'), 'utf8')).toBe('CERT 1');
    // AWS got a signing request for the device's own key, made in its folder; never a private key.
    const key = readFileSync(join(out, 'bin-gs-001', 'private.pem.key'), 'utf8');
    expect(key).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(statSync(join(out, 'bin-gs-001', 'private.pem.key')).mode & 0o777).toBe(0o600);
    expect(a.requests).toHaveLength(1);
    expect(a.requests[0]).not.toContain('PRIVATE KEY');
    const request = new Pkcs10CertificateRequest(a.requests[0]!);
    expect(request.subject).toBe('CN=bin-gs-001');
    expect(await request.verify()).toBe(true);
    expect(await publicKeyOf(key)).toEqual(Buffer.from(request.publicKey.rawData));
    expect(await dataEndpoint(new IoTClient({ region: 'eu-west-1' }))).toBe('abc123-ats.iot.eu-west-1.amazonaws.com');
    a.iot.restore();
  });

  it('creates nothing twice when run again', async () => {
    const a = account();
    const out = outDir();
    const iot = new IoTClient({ region: 'eu-west-1' });
    await provisionDevice(iot, device, out);
    const again = await provisionDevice(iot, device, out);
    expect(again.created).toEqual({ thingType: false, thing: false, certificate: false });
    expect(a.certs()).toBe(1);
    expect(a.iot.commandCalls(CreateThingCommand)).toHaveLength(1);
    expect(a.iot.commandCalls(CreateCertificateFromCsrCommand)).toHaveLength(1);
    expect(readFileSync(join(out, 'bin-gs-001', 'certificate.pem.crt'), 'utf8')).toBe('CERT 1');
    a.iot.restore();
  });

  it('refuses to mint a second certificate when the keys of the first are not where it looks', async () => {
    const a = account();
    const iot = new IoTClient({ region: 'eu-west-1' });
    await provisionDevice(iot, device, outDir());
    await expect(provisionDevice(iot, device, outDir())).rejects.toThrow(/already has a certificate .* is missing/);
    expect(a.certs()).toBe(1);
    a.iot.restore();
  });

  it('removes what it provisioned (certificate detached, deactivated, deleted; thing and key files deleted); idempotent', async () => {
    const a = account();
    const out = outDir();
    const iot = new IoTClient({ region: 'eu-west-1' });
    await provisionDevice(iot, device, out);
    a.iot.resetHistory();
    const waits: number[] = [];
    const removed = await deprovisionDevice(iot, 'bin-gs-001', out, { sleep: async (ms) => void waits.push(ms) });
    expect(removed).toEqual({
      thing: 'bin-gs-001',
      found: true,
      deletedCertificates: ['arn:aws:iot:eu-west-1:1:cert/c1'],
    });
    expect(a.iot.calls().map((c) => c.args[0].constructor.name)).toEqual([
      'ListThingPrincipalsCommand',
      'DetachThingPrincipalCommand',
      'ListAttachedPoliciesCommand',
      'DetachPolicyCommand',
      'UpdateCertificateCommand',
      'DeleteCertificateCommand',
      'DeleteThingCommand',
      'DeleteThingCommand',
    ]);
    expect(a.iot.commandCalls(DetachPolicyCommand)[0]!.args[0].input).toEqual({
      policyName: 'cityops-dev-bins-device',
      target: 'arn:aws:iot:eu-west-1:1:cert/c1',
    });
    expect(waits).toEqual([1000]);
    expect(a.things.has('bin-gs-001')).toBe(false);
    expect(a.deletedCerts).toEqual(['c1']);
    expect(() => statSync(join(out, 'bin-gs-001'))).toThrow();
    a.iot.resetHistory();
    expect(await deprovisionDevice(iot, 'bin-gs-001', out)).toEqual({
      thing: 'bin-gs-001',
      found: false,
      deletedCertificates: [],
    });
    expect(a.iot.calls()).toHaveLength(1);
    a.iot.restore();
  });

  it('leaves a certificate that carries a policy CityOps did not attach, and says so', async () => {
    const a = account();
    const iot = new IoTClient({ region: 'eu-west-1' });
    await provisionDevice(iot, device, outDir());
    a.policies.get('arn:aws:iot:eu-west-1:1:cert/c1')!.add('someone-elses-policy');
    await expect(deprovisionDevice(iot, 'bin-gs-001', outDir(), { sleep: async () => {} })).rejects.toThrow(
      /also carries someone-elses-policy/,
    );
    expect(a.iot.commandCalls(DeleteCertificateCommand)).toHaveLength(0);
    expect(a.things.has('bin-gs-001')).toBe(true);
    a.iot.restore();
  });
});
