import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  AttachPolicyCommand,
  AttachThingPrincipalCommand,
  CreateKeysAndCertificateCommand,
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

/**
 * Makes one device ready for AWS IoT Core: its thing type, the thing with its attributes, a
 * key pair and certificate (written to `<out>/<thing>/`), the kind's policy on the
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
  const certFile = join(dir, 'certificate.pem.crt');
  const { principals = [] } = await iot.send(new ListThingPrincipalsCommand({ thingName: device.thing }));
  let certificateArn = principals.find((p) => p.includes(':cert/'));
  if (certificateArn && !(await exists(certFile))) {
    throw new Error(
      `${device.thing} already has a certificate (${certificateArn}) but ${certFile} is missing: provision it with the --out folder that holds its keys, or revoke that certificate first`,
    );
  }
  if (!certificateArn) {
    const cert = await iot.send(new CreateKeysAndCertificateCommand({ setAsActive: true }));
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await writeFile(certFile, cert.certificatePem!, { mode: 0o600 });
    await writeFile(join(dir, 'private.pem.key'), cert.keyPair!.PrivateKey!, { mode: 0o600 });
    await writeFile(join(dir, 'public.pem.key'), cert.keyPair!.PublicKey!, { mode: 0o600 });
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
        `${thing}: certificate ${principal} also carries ${foreign.map((p) => p.policyName).join(', ')}, which CityOps did not attach; detach those first`,
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
