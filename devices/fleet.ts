/**
 * `npm run devices`: runs the sample district's simulated fleet (or part of it) against
 * any MQTT broker: the local stack's, or another that applies the same rules.
 */
import { parseArgs } from 'node:util';
import { checkStage, DEFAULT_STAGE } from '#shared/domain/iot-names';
import { clockFromOptions } from '#shared/adapters/clock';
import { DEVICE_KINDS, isDeviceKind } from '#shared/domain/device-kinds';
import { loadDistrictDir, SAMPLE_DISTRICT_DIR } from './district-files.ts';
import { runFleet } from './fleet-runner.ts';
import { buildFleet, isScenarioName, SCENARIOS } from './scenarios.ts';
import { mutualTls } from './tls.ts';

const HELP = `Usage: npm run devices -- [options]

Runs simulated devices as real MQTT clients (client id = thing name), each publishing
QoS 1 on its own topic dt/cityops/<kind>/<thing>/<type> at its report interval.
Against AWS IoT Core: --broker mqtts://<ATS endpoint>:8883 --cert-dir .cityops/certs --ca AmazonRootCA1.pem --basic-ingest --stage <stage>

Options:
  --broker <url>        MQTT broker (default the local stack's TLS listener, mqtts://127.0.0.1:$MQTTS_PORT or 8883,
                        with the certificates npm start made: --cert-dir .cityops/pki/devices --ca .cityops/pki/ca.crt)
  --scenario <name>     what the fleet does (default demo):
${Object.entries(SCENARIOS)
  .map(([name, s]) => `                          ${name.padEnd(16)} ${s.description}`)
  .join('\n')}
  --kinds <list>        only these kinds, comma-separated (${DEVICE_KINDS.join(',')})
  --things <list>       only these things, comma-separated
  --clock <ISO time>    the devices' clock starts here (match the stack's --clock)
  --speed <factor>      and runs this many times faster (match the stack's --speed)
  --duration <seconds>  stop after this many real seconds (default: run until Ctrl-C)
  --cert-dir <dir>      connect with each thing's certificate and key from <dir>/<thing>/
                        (mutual TLS, as AWS IoT Core wants; written by npm run provision)
  --ca <file>           the broker's root CA (for AWS IoT Core: Amazon Root CA 1)
  --basic-ingest        publish to each kind's Basic Ingest topic ($aws/rules/<rule>/...): no IoT messaging charge
  --stage <name>        the deployment stage whose topic rules Basic Ingest names (default dev)
  --district-dir <dir>  district folder (default: the sample district)
  -h, --help            this text
`;

async function main() {
  const { values } = parseArgs({
    options: {
      broker: { type: 'string' },
      scenario: { type: 'string', default: 'demo' },
      kinds: { type: 'string' },
      things: { type: 'string' },
      clock: { type: 'string' },
      speed: { type: 'string' },
      duration: { type: 'string' },
      'cert-dir': { type: 'string' },
      ca: { type: 'string' },
      'basic-ingest': { type: 'boolean', default: false },
      stage: { type: 'string', default: DEFAULT_STAGE },
      'district-dir': { type: 'string', default: SAMPLE_DISTRICT_DIR },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return void process.stdout.write(HELP);
  if (!isScenarioName(values.scenario))
    throw new Error(`unknown scenario "${values.scenario}"; choose one of ${Object.keys(SCENARIOS).join(', ')}`);
  const kinds = values.kinds?.split(',').map((k) => k.trim());
  for (const k of kinds ?? [])
    if (!isDeviceKind(k)) throw new Error(`unknown kind "${k}"; choose from ${DEVICE_KINDS.join(', ')}`);
  const duration = values.duration === undefined ? undefined : Number(values.duration);
  if (duration !== undefined && !(duration > 0)) throw new Error('--duration must be a positive number of seconds');

  const model = await loadDistrictDir(values['district-dir']);
  const things = values.things?.split(',').map((t) => t.trim());
  const devices = model.devices.filter(
    (d) => (!kinds || kinds.includes(d.kind)) && (!things || things.includes(d.thing)),
  );
  for (const t of things ?? [])
    if (!model.devices.some((d) => d.thing === t)) throw new Error(`"${t}" is not a device of the district`);
  if (devices.length === 0) throw new Error('no device matches --kinds/--things');

  // The local stack by default: over TLS, each thing with the certificate the stack's authority gave it
  // (a thing with a certificate is refused on the plain listener).
  const local = values.broker === undefined;
  const broker = values.broker ?? `mqtts://127.0.0.1:${process.env.MQTTS_PORT ?? 8883}`;
  const certDir = values['cert-dir'] ?? (local ? '.cityops/pki/devices' : undefined);
  const ca = values.ca ?? (local ? '.cityops/pki/ca.crt' : undefined);

  const clock = clockFromOptions({ clock: values.clock, speed: values.speed });
  const log = (text: string) => console.log(`${new Date().toISOString().slice(11, 19)} ${text}`);
  const fleet = await runFleet({
    brokerUrl: broker,
    simulators: buildFleet(model, values.scenario, clock.now(), devices),
    clock,
    connectOptions: certDir ? mutualTls(certDir, ca) : undefined,
    basicIngest: values['basic-ingest'],
    stage: checkStage(values.stage),
    events: {
      connected: (thing) => log(`connected ${thing}`),
      problem: (thing, message) => log(`${thing}: ${message}`),
    },
  });
  log(
    `${devices.length} devices → ${broker}, scenario "${values.scenario}"${clock.speed !== 1 ? `, clock ×${clock.speed}` : ''}`,
  );
  let last = { ...fleet.published };
  const report = setInterval(() => {
    const now = { ...fleet.published };
    log(`published ${DEVICE_KINDS.map((k) => `${k} ${now[k] - last[k]}`).join(' · ')} (last 10 s)`);
    last = now;
  }, 10_000);
  const stop = async () => {
    clearInterval(report);
    await fleet.stop();
    log(`stopped; published ${DEVICE_KINDS.map((k) => `${k} ${fleet.published[k]}`).join(' · ')} in all`);
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
  if (duration) setTimeout(() => void stop(), duration * 1000);
}

main().catch((error) => {
  process.stderr.write(`devices: ${(error as Error).message}\n`);
  process.exit(1);
});
