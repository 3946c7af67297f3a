import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { Pkcs10CertificateRequestGenerator, PemConverter } from '@peculiar/x509';
import { join } from 'node:path';
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
  ListAttachedPoliciesCommand,
  ListThingPrincipalsCommand,
  UpdateCertificateCommand,
  ResourceAlreadyExistsException,
  ResourceNotFoundException,
  type IoTClient,
} from '@aws-sdk/client-iot';
import type { Device } from '#shared/domain/city-model';
import { DEVICE_KINDS } from '#shared/domain/device-kinds';
import { DEFAULT_STAGE, devicePolicyName, thingTypeName } from '#shared/domain/iot-names';

export interface ProvisionResult {
  thing: string;
  created: { thingType: boolean; thing: boolean; certificate: boolean };
  certificateArn: string;
  dir: string;
}

const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );

/** The files of a device's folder: its own key and request, and the certificate AWS IoT signed. */
export const DEVICE_FILES = {
  key: 'private.pem.key',
  csr: 'device.csr.pem',
  certificate: 'certificate.pem.crt',
} as const;

/**
 * The device's certificate signing request. A device that made its own key pair leaves its
 * request in its folder (`device.csr.pem`) and is taken as it is; for one that did not (the
 * simulated fleet), the key pair is made here, as the device would make it: ECDSA P-256,
 * the private key written only to the device's folder (mode 600), the request naming the
 * thing. AWS IoT sees only the request, never a private key.
 */
async function deviceCsr(dir: string, thing: string): Promise<string> {
  const csrFile = join(dir, DEVICE_FILES.csr);
  if (await exists(csrFile)) return readFile(csrFile, 'utf8');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = (await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const request = await Pkcs10CertificateRequestGenerator.create(
    { name: `CN=${thing}`, keys, signingAlgorithm: algorithm },
    webcrypto as never,
  );
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  await writeFile(join(dir, DEVICE_FILES.key), PemConverter.encode(pkcs8, 'PRIVATE KEY'), { mode: 0o600 });
  const pem = request.toString('pem');
  await writeFile(csrFile, pem, { mode: 0o600 });
  return pem;
}

/**
 * Makes one device ready for AWS IoT Core: its thing type, the thing with its attributes, a
 * certificate signed by AWS IoT for the device's own key (from its certificate signing
 * request: the private key never leaves the device's folder), the kind's policy on the
 * certificate and the certificate on the thing. Idempotent: a thing that already has a
 * certificate, with its files on disk, gets nothing new.
 */
export async function provisionDevice(
  iot: IoTClient,
  device: Device,
  out: string,
  stage = DEFAULT_STAGE,
): Promise<ProvisionResult> {
  const created = { thingType: false, thing: false, certificate: false };
  try {
    await iot.send(
      new CreateThingTypeCommand({
        thingTypeName: thingTypeName(device.kind, stage),
        thingTypeProperties: {
          thingTypeDescription: `CityOps ${device.kind}`,
          searchableAttributes: ['site', 'district'],
        },
      }),
    );
    created.thingType = true;
  } catch (error) {
    if (!(error instanceof ResourceAlreadyExistsException)) throw error;
  }

  try {
    await iot.send(new DescribeThingCommand({ thingName: device.thing }));
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
    await iot.send(
      new CreateThingCommand({
        thingName: device.thing,
        thingTypeName: thingTypeName(device.kind, stage),
        attributePayload: { attributes: { kind: device.kind, site: device.siteId, district: device.districtId } },
      }),
    );
    created.thing = true;
  }

  const dir = join(out, device.thing);
  const certFile = join(dir, DEVICE_FILES.certificate);
  const { principals = [] } = await iot.send(new ListThingPrincipalsCommand({ thingName: device.thing }));
  let certificateArn = principals.find((p) => p.includes(':cert/'));
  if (certificateArn && !(await exists(certFile))) {
    throw new Error(
      `${device.thing} already has a certificate (${certificateArn}) but ${certFile} is missing: ` +
        'provision it with the --out folder that holds its keys, or revoke that certificate first',
    );
  }
  if (!certificateArn) {
    const csr = await deviceCsr(dir, device.thing);
    const cert = await iot.send(
      new CreateCertificateFromCsrCommand({ certificateSigningRequest: csr, setAsActive: true }),
    );
    await writeFile(certFile, cert.certificatePem!, { mode: 0o600 });
    certificateArn = cert.certificateArn!;
    created.certificate = true;
  }
  // Both attachments are idempotent in AWS IoT.
  await iot.send(new AttachPolicyCommand({ policyName: devicePolicyName(device.kind, stage), target: certificateArn }));
  await iot.send(new AttachThingPrincipalCommand({ thingName: device.thing, principal: certificateArn }));
  return { thing: device.thing, created, certificateArn, dir };
}

export interface DeprovisionResult {
  thing: string;
  /** False when there was no such thing (nothing to do). */
  found: boolean;
  deletedCertificates: string[];
}

/**
 * Undoes {@link provisionDevice} for one thing, so the stacks can be destroyed (IoT refuses
 * to delete a policy that is still attached, or a thing type that still has things): for
 * each of the thing's certificates, detaches it from the thing and from the CityOps device
 * policies, deactivates and deletes it; then deletes the thing and its key files under
 * `<out>/<thing>/`. A certificate that still carries a policy not made by CityOps is left
 * alone, with an error. Running it again finds nothing and does nothing.
 */
export async function deprovisionDevice(
  iot: IoTClient,
  thing: string,
  out: string,
  options: { sleep?: (ms: number) => Promise<void>; attempts?: number; stage?: string } = {},
): Promise<DeprovisionResult> {
  const cityOpsPolicies = new Set(DEVICE_KINDS.map((kind) => devicePolicyName(kind, options.stage ?? DEFAULT_STAGE)));
  const sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  let principals: string[];
  try {
    principals = (await iot.send(new ListThingPrincipalsCommand({ thingName: thing }))).principals ?? [];
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return { thing, found: false, deletedCertificates: [] };
    throw error;
  }
  const deletedCertificates: string[] = [];
  for (const principal of principals) {
    await iot.send(new DetachThingPrincipalCommand({ thingName: thing, principal }));
    if (!principal.includes(':cert/')) continue;
    const { policies = [] } = await iot.send(new ListAttachedPoliciesCommand({ target: principal }));
    const foreign = policies.filter((p) => !cityOpsPolicies.has(p.policyName ?? ''));
    if (foreign.length)
      throw new Error(
        `${thing}: certificate ${principal} also carries ${foreign.map((p) => p.policyName).join(', ')}, ` +
          'which CityOps did not attach; detach those first',
      );
    for (const policy of policies)
      await iot.send(new DetachPolicyCommand({ policyName: policy.policyName, target: principal }));
    const certificateId = principal.slice(principal.lastIndexOf('/') + 1);
    await iot.send(new UpdateCertificateCommand({ certificateId, newStatus: 'INACTIVE' }));
    await iot.send(new DeleteCertificateCommand({ certificateId }));
    deletedCertificates.push(principal);
  }
  // Detaching a principal completes asynchronously: DeleteThing refuses until it has.
  const attempts = options.attempts ?? 10;
  for (let attempt = 1; ; attempt++) {
    try {
      await iot.send(new DeleteThingCommand({ thingName: thing }));
      break;
    } catch (error) {
      if (error instanceof ResourceNotFoundException) break;
      if (!(error instanceof InvalidRequestException) || attempt >= attempts) throw error;
      await sleep(1000 * attempt);
    }
  }
  await rm(join(out, thing), { recursive: true, force: true });
  return { thing, found: true, deletedCertificates };
}

/** The account's ATS data endpoint, where devices connect over mutual TLS on port 8883. */
export async function dataEndpoint(iot: IoTClient): Promise<string> {
  const { endpointAddress } = await iot.send(new DescribeEndpointCommand({ endpointType: 'iot:Data-ATS' }));
  return endpointAddress!;
}
