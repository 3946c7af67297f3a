import { mkdtempSync, statSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import {
  AttachPolicyCommand,
  AttachThingPrincipalCommand,
  CreateKeysAndCertificateCommand,
  CreateThingCommand,
  CreateThingTypeCommand,
  DescribeEndpointCommand,
  DescribeThingCommand,
  IoTClient,
  ListThingPrincipalsCommand,
  ResourceAlreadyExistsException,
  ResourceNotFoundException,
} from '@aws-sdk/client-iot';
import { dataEndpoint, provisionDevice } from '#devices/provisioning';
import type { Device } from '#shared/domain/city-model';

/** A pretend IoT account behind the mocked client: what exists, and every create call. */
function account() {
  const iot = mockClient(IoTClient);
  const thingTypes = new Set<string>();
  const things = new Map<string, Record<string, string>>();
  const principals = new Map<string, Set<string>>();
  const policies = new Map<string, Set<string>>();
  let certs = 0;
  const meta = { $metadata: {} };
  iot.on(CreateThingTypeCommand).callsFake(({ thingTypeName }) => {
    if (thingTypes.has(thingTypeName)) throw new ResourceAlreadyExistsException({ message: 'exists', resourceId: thingTypeName, ...meta });
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
  iot.on(ListThingPrincipalsCommand).callsFake(({ thingName }) => ({ principals: [...(principals.get(thingName) ?? [])] }));
  iot.on(CreateKeysAndCertificateCommand).callsFake(() => {
    certs++;
    return { certificateArn: `arn:aws:iot:eu-west-1:1:cert/c${certs}`, certificatePem: `CERT ${certs}`, keyPair: { PrivateKey: `PRIVATE ${certs}`, PublicKey: `PUBLIC ${certs}` } };
  });
  iot.on(AttachPolicyCommand).callsFake(({ policyName, target }) => (policies.set(target, (policies.get(target) ?? new Set()).add(policyName)), {}));
  iot.on(AttachThingPrincipalCommand).callsFake(({ thingName, principal }) => (principals.set(thingName, (principals.get(thingName) ?? new Set()).add(principal)), {}));
  iot.on(DescribeEndpointCommand).resolves({ endpointAddress: 'abc123-ats.iot.eu-west-1.amazonaws.com' });
  return { iot, thingTypes, things, principals, policies, certs: () => certs };
}

const device: Device = { thing: 'bin-gs-001', kind: 'bins', districtId: 'gongshu', siteId: 'gr-001', expectedIntervalSeconds: 300 };
let dirs: string[] = [];
afterEach(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
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
    expect(a.thingTypes).toEqual(new Set(['cityops-bins']));
    expect(a.things.get('bin-gs-001')).toEqual({ kind: 'bins', site: 'gr-001', district: 'gongshu' });
    expect(a.policies.get(result.certificateArn)).toEqual(new Set(['cityops-bins-device']));
    expect(a.principals.get('bin-gs-001')).toEqual(new Set([result.certificateArn]));
    expect(readFileSync(join(out, 'bin-gs-001', 'certificate.pem.crt'), 'utf8')).toBe('CERT 1');
    expect(readFileSync(join(out, 'bin-gs-001', 'private.pem.key'), 'utf8')).toBe('PRIVATE 1');
    expect(statSync(join(out, 'bin-gs-001', 'private.pem.key')).mode & 0o777).toBe(0o600);
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
    expect(a.iot.commandCalls(CreateKeysAndCertificateCommand)).toHaveLength(1);
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
});
