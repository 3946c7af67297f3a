/**
 * `npm run provision`: registers devices in AWS IoT Core (things, certificates, policies).
 * Uses the default AWS credentials and region of the shell.
 */
import { parseArgs } from 'node:util';
import { checkStage, DEFAULT_STAGE } from '#shared/domain/iot-names';
import { IoTClient } from '@aws-sdk/client-iot';
import { Device } from '#shared/domain/city-model';
import { loadDistrictDir, SAMPLE_DISTRICT_DIR } from './district-files.ts';
import { dataEndpoint, deprovisionDevice, provisionDevice } from './provisioning.ts';

const HELP = `Usage: npm run provision -- --thing <name> --kind <bins|sweepers|cameras> --site <site> [--out <dir>] [--stage dev]
       npm run provision -- --from-registry [--district-dir <dir>] [--out <dir>]
       npm run provision -- --remove (--thing <name> | --from-registry) [--out <dir>]

Creates each thing (with its thing type and attributes), a key pair and certificate in
<out>/<thing>/ (default .cityops/certs), attaches the kind's policy and the certificate,
and prints the account's ATS data endpoint. Running it again creates nothing twice.
The CityOps stack must be deployed first: it creates the per-kind policies.

--remove undoes it before the stacks are destroyed: detaches and deletes each thing's
certificates, deletes the thing and its key files. Running it again does nothing.
`;

async function main() {
  const { values } = parseArgs({
    options: {
      thing: { type: 'string' },
      kind: { type: 'string' },
      site: { type: 'string' },
      district: { type: 'string', default: 'gongshu' },
      'from-registry': { type: 'boolean', default: false },
      remove: { type: 'boolean', default: false },
      'district-dir': { type: 'string', default: SAMPLE_DISTRICT_DIR },
      out: { type: 'string', default: '.cityops/certs' },
      stage: { type: 'string', default: DEFAULT_STAGE },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return void process.stdout.write(HELP);
  if (values.remove)
    return remove(values.thing, values['from-registry'], values['district-dir'], values.out, values.stage);
  let devices: Device[];
  if (values['from-registry']) devices = (await loadDistrictDir(values['district-dir'])).devices;
  else {
    const parsed = Device.safeParse({
      thing: values.thing,
      kind: values.kind,
      siteId: values.site,
      districtId: values.district,
      expectedIntervalSeconds: 60,
    });
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
      throw new Error(`give --thing, --kind and --site (or --from-registry): ${issues.join('; ')}`);
    }
    devices = [parsed.data];
  }
  const iot = new IoTClient({});
  for (const [i, device] of devices.entries()) {
    const result = await provisionDevice(iot, device, values.out, checkStage(values.stage));
    const made = Object.entries(result.created)
      .filter(([, v]) => v)
      .map(([k]) => k);
    const done = made.length ? `created ${made.join(', ')}` : 'already provisioned';
    console.log(`[${i + 1}/${devices.length}] ${device.thing}: ${done} · keys in ${result.dir}`);
  }
  console.log(`ATS data endpoint: ${await dataEndpoint(iot)} (MQTT over TLS, port 8883)`);
}

async function remove(
  thing: string | undefined,
  fromRegistry: boolean,
  districtDir: string,
  out: string,
  stage: string,
) {
  const things = fromRegistry ? (await loadDistrictDir(districtDir)).devices.map((d) => d.thing) : thing ? [thing] : [];
  if (things.length === 0) throw new Error('--remove needs --thing <name> or --from-registry');
  const iot = new IoTClient({});
  for (const [i, name] of things.entries()) {
    const result = await deprovisionDevice(iot, name, out, { stage: checkStage(stage) });
    const done = result.found
      ? `deleted the thing and ${result.deletedCertificates.length} certificate(s)`
      : 'not in this account (nothing to do)';
    console.log(`[${i + 1}/${things.length}] ${name}: ${done}`);
  }
}

main().catch((error) => {
  process.stderr.write(`provision: ${(error as Error).message}\n\n${HELP}`);
  process.exit(1);
});
