/**
 * `npm start`: the embedded local stack and, unless `--no-simulate`, the sample district's
 * simulated fleet, with a live log. Ctrl-C stops everything, DynamoDB Local's JVM included.
 */
import { parseArgs } from 'node:util';
import { join } from 'node:path';
import { ROLE_NAMES } from '#shared/domain/labels';
import { clockFromOptions } from '#shared/adapters/clock';
import { loadDistrictDir, SAMPLE_DISTRICT_DIR } from '#devices/district-files';
import { runFleet, type Fleet } from '#devices/fleet-runner';
import { mutualTls } from '#devices/tls';
import { isLoopback } from './listen.ts';
import { buildFleet, isScenarioName, SCENARIOS } from '#devices/scenarios';
import { DataDirInUseError, JavaMissingError } from './dynamodb-local.ts';
import { consoleObserver } from './live-log.ts';
import { buildWorkbench } from './workbench.ts';
import { startLocalStack, type LocalStack } from './stack.ts';

const HELP = `Usage: npm start -- [options]

Runs CityOps on this machine: DynamoDB Local, an MQTT broker on 127.0.0.1, the ingest
functions reading local streams, the ops API, and a simulated fleet of the sample district.

Options:
  --data-dir <dir>      DynamoDB Local's files, the streams, the archive, the case events file,
                        checkpoints, discarded batches (default .cityops)
  --in-memory           keep nothing: start clean, forget everything on exit
  --no-simulate         run the stack alone, for outside devices (mosquitto_pub, real sensors)
  --scenario <name>     fleet scenario (default demo): ${Object.keys(SCENARIOS).join(', ')}
  --clock <ISO time>    start the stack's clock at this time, e.g. 2026-11-27T04:55:00+08:00
  --speed <factor>      run the clock this many times faster than real time (default 1)
  --district-dir <dir>  a district folder to load instead of the sample
  --webhook <url>       POST every case event here, with retry (repeatable; or $CITYOPS_WEBHOOKS, comma-separated)
  --hotline-webhook <url>  POST the 12345 hotline's replies, send-backs and results here, with retry (repeatable)
  --redrive             put the discarded batches of the data folder back on their streams first
  --recycle <rate>      chance that a function's execution environment is recycled after an invocation (default 0.02)
  --fail-invocations <rate>  chance that an ingest invocation fails on purpose, to watch the retries (default 0)
  --mqtt-port <port>    plain MQTT port on 127.0.0.1, the client id as identity (default $MQTT_PORT or 1883)
  --mqtts-port <port>   MQTT over TLS with a device certificate from the stack's authority (default $MQTTS_PORT or 8883)
  --no-plain-mqtt       no plain MQTT listener: devices connect over TLS only
  --plain-mqtt-for <thing,…|all>  let the plain listener take these things though they hold a certificate, for
                        trying things by hand (default none: a thing with a certificate connects over TLS only; repeatable)
  --host <address>      where the MQTT listeners bind (default 127.0.0.1; any other address takes TLS only)
  --api-port <port>     ops API port (default $API_PORT or 3000)
  --snapshots-port <port>  cameras' snapshots over mutual TLS (default $SNAPSHOTS_PORT or 3443)
  -h, --help            this text
`;

async function main() {
  const { values } = parseArgs({
    options: {
      'data-dir': { type: 'string', default: '.cityops' },
      'in-memory': { type: 'boolean', default: false },
      redrive: { type: 'boolean', default: false },
      recycle: { type: 'string', default: '0.02' },
      'fail-invocations': { type: 'string', default: '0' },
      'no-simulate': { type: 'boolean', default: false },
      scenario: { type: 'string', default: 'demo' },
      clock: { type: 'string' },
      speed: { type: 'string' },
      'district-dir': { type: 'string', default: SAMPLE_DISTRICT_DIR },
      webhook: {
        type: 'string',
        multiple: true,
        default: process.env.CITYOPS_WEBHOOKS ? process.env.CITYOPS_WEBHOOKS.split(',') : [],
      },
      'hotline-webhook': { type: 'string', multiple: true, default: [] },
      'mqtt-port': { type: 'string', default: process.env.MQTT_PORT ?? '1883' },
      'mqtts-port': { type: 'string', default: process.env.MQTTS_PORT ?? '8883' },
      'no-plain-mqtt': { type: 'boolean', default: false },
      'plain-mqtt-for': { type: 'string', multiple: true, default: [] },
      host: { type: 'string' },
      'api-port': { type: 'string', default: process.env.API_PORT ?? '3000' },
      'snapshots-port': { type: 'string', default: process.env.SNAPSHOTS_PORT ?? '3443' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) return void process.stdout.write(HELP);
  if (!isScenarioName(values.scenario))
    throw new UsageError(`unknown scenario "${values.scenario}"; choose one of ${Object.keys(SCENARIOS).join(', ')}`);
  const port = (name: string, value: string) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UsageError(`--${name} "${value}" is not a port number`);
    return n;
  };
  const rate = (name: string, value: string) => {
    const n = Number(value);
    if (!(n >= 0 && n <= 1)) throw new UsageError(`--${name} "${value}" is not a rate between 0 and 1`);
    return n;
  };
  const recycleRate = rate('recycle', values.recycle);
  const failRate = rate('fail-invocations', values['fail-invocations']);
  const mqttPort = port('mqtt-port', values['mqtt-port']);
  const mqttTlsPort = port('mqtts-port', values['mqtts-port']);
  if (values.host && !isLoopback(values.host) && !values['no-plain-mqtt'])
    throw new UsageError(
      `--host ${values.host}: plain MQTT stays on loopback (a client knowing a thing's name would be that thing there); ` +
        'add --no-plain-mqtt to take devices over TLS only',
    );
  const apiPort = port('api-port', values['api-port']);
  const snapshotsPort = port('snapshots-port', values['snapshots-port']);
  let clock: ReturnType<typeof clockFromOptions>;
  try {
    clock = clockFromOptions({ clock: values.clock, speed: values.speed });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const model = await loadDistrictDir(values['district-dir']);
  const plainFor = values['plain-mqtt-for']
    .flatMap((v) => v.split(','))
    .map((t) => t.trim())
    .filter(Boolean);
  if (plainFor.length && values['no-plain-mqtt'])
    throw new UsageError('--plain-mqtt-for names things for the plain listener: it cannot go with --no-plain-mqtt');
  for (const thing of plainFor)
    if (thing !== 'all' && !model.devices.some((d) => d.thing === thing))
      throw new UsageError(`--plain-mqtt-for "${thing}" is not a thing of the district (or "all")`);
  const plainMqttFor = plainFor.includes('all') ? ('all' as const) : plainFor;
  const dataDir = values['in-memory'] ? undefined : values['data-dir'];

  let stack: LocalStack | undefined;
  let fleet: Fleet | undefined;
  const log = consoleObserver({
    virtualNow: clock.speed !== 1 || values.clock ? () => clock.now() : undefined,
    queueDepth: () => stack?.backlog() ?? 0,
    timeZone: model.districts[0]?.timeZone,
  });
  let stopping = false;
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    log.line('stop', 'stopping: fleet, broker, streams, DynamoDB Local…');
    await fleet?.stop();
    await stack?.stop();
    log.stop();
    log.line('stop', 'stopped cleanly');
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));

  log.line('start', `starting DynamoDB Local (${dataDir ? `data in ${dataDir}/` : 'in memory'}) and the local stack…`);
  for (const [flag, urls] of [
    ['--webhook', values.webhook],
    ['--hotline-webhook', values['hotline-webhook']],
  ] as const) {
    for (const url of urls) {
      try {
        new URL(url);
      } catch {
        throw new UsageError(`${flag} "${url}" is not a URL`);
      }
    }
  }
  if (values.redrive && !dataDir)
    throw new UsageError('--redrive puts back the discarded batches of a data folder: it cannot go with --in-memory');
  const appDir = await buildWorkbench();
  stack = await startLocalStack({
    appDir,
    clock,
    timeScale: clock.speed,
    dataDir,
    model,
    host: values.host,
    mqttPort,
    plainMqtt: !values['no-plain-mqtt'],
    plainMqttFor,
    mqttTlsPort,
    apiPort,
    snapshotsPort,
    webhooks: values.webhook,
    hotlineWebhooks: values['hotline-webhook'],
    observer: log.observer,
    recycleRate,
    failRate,
    redrive: values.redrive,
    onRedrive: ({ redriven, keptIn, left }) => {
      const total = Object.values(redriven).reduce((a, b) => a + b, 0);
      const byStream = Object.entries(redriven)
        .map(([stream, n]) => `${stream} ${n}`)
        .join(', ');
      log.line(
        'redrive',
        total
          ? `${total} discarded records back on their streams (${byStream}); kept in ${keptIn}` +
              (left ? `; ${left} batches left in the discarded file` : '')
          : `no discarded batches to put back${left ? ` (${left} left: no such stream)` : ''}`,
      );
    },
  });
  const counts = (kind: string) => model.devices.filter((d) => d.kind === kind).length;
  const plainIdentity =
    plainMqttFor === 'all'
      ? 'every thing'
      : plainMqttFor.length
        ? `things without a certificate and ${plainMqttFor.join(', ')}`
        : 'things without a certificate';
  const plain = values['no-plain-mqtt']
    ? ''
    : `${stack.mqttUrl} (loopback, client id as identity: ${plainIdentity}) · `;
  const pages = [
    `district map 辖区地图 ${stack.apiUrl}/`,
    `workbench 工作台 ${stack.apiUrl}/app/`,
    `field app 移动巡查 ${stack.apiUrl}/app/field.html`,
    `command screen 指挥大屏 ${stack.apiUrl}/app/screen.html`,
  ];
  log.line(
    'ready',
    `MQTT ${plain}${stack.mqttsUrl} (device certificates) · ops API ${stack.apiUrl} (${pages.join(', ')})` +
      ` · DynamoDB Local ${stack.dynamoEndpoint}`,
  );
  log.line('ready', `device certificates: ${stack.pki!.deviceDir}/<thing>/, the authority ${stack.pki!.caFile}`);
  log.line('ready', `cameras put snapshots at ${stack.snapshotsUrl}/snapshots/<thing>/<file> with their certificates`);
  log.line(
    'ready',
    `registry: ${model.districts[0]!.name}, ${model.grids.length} grids, ${model.sites.length} sites, ` +
      `${model.devices.length} devices (${counts('bins')} bins, ${counts('sweepers')} sweepers, ${counts('cameras')} cameras)`,
  );
  log.line(
    'ready',
    `case events → ${stack.eventsFile}${values.webhook.length ? ` and ${values.webhook.join(', ')}` : ''}` +
      (values['hotline-webhook'].length ? ` · 12345 answers → ${values['hotline-webhook'].join(', ')}` : ''),
  );
  log.line('ready', `try: curl ${stack.apiUrl}/devices/${model.devices[0]!.thing} · curl ${stack.apiUrl}/cases`);
  // People sign in to act on cases: the sample users, told once when they are made.
  if (stack.createdUsers.length) {
    log.line('sign-in', 'sample users, one per role (passwords shown this once; the users file keeps only hashes):');
    for (const u of stack.createdUsers)
      log.line(
        'sign-in',
        `  ${u.username.padEnd(20)} ${u.password}  ${u.roles.map((r) => `${ROLE_NAMES[r].zh} ${r}`).join(', ')}` +
          (u.unitId ? ` · unit ${u.unitId}` : ''),
      );
  }
  log.line(
    'sign-in',
    `token: curl -s -X POST ${stack.apiUrl}/auth/token -H 'content-type: application/json' ` +
      `-d '{"username":"dispatcher","password":"…"}'; then Authorization: Bearer <idToken> ` +
      'on POST /cases/{id}/transitions (docs/roles.md)' +
      (stack.createdUsers.length || !dataDir ? '' : `; users: ${join(dataDir, 'sign-in', 'users.json')}`),
  );
  if (values['no-simulate']) {
    log.line(
      'ready',
      'no simulated fleet (--no-simulate): publish with any MQTT client over TLS, client id = thing name, ' +
        'with its certificate (README: "Publish a reading by hand"). Ctrl-C stops.',
    );
    return;
  }
  const simulators = buildFleet(model, values.scenario, clock.now());
  // The simulated devices connect as real ones do: over TLS, each with its own certificate.
  fleet = await runFleet({
    brokerUrl: stack.mqttsUrl!,
    connectOptions: mutualTls(stack.pki!.deviceDir, stack.pki!.caFile),
    simulators,
    clock,
    events: log.fleet,
    snapshotsUrl: stack.snapshotsUrl,
  });
  log.line(
    'fleet',
    `simulating ${simulators.length} devices, scenario "${values.scenario}": ${SCENARIOS[values.scenario].description}. Ctrl-C stops.`,
  );
}

class UsageError extends Error {}

main().catch(async (error) => {
  if (error instanceof UsageError) process.stderr.write(`cityops: ${error.message}\n\n${HELP}`);
  else if (error instanceof JavaMissingError || error instanceof DataDirInUseError)
    process.stderr.write(`cityops: ${error.message}\n`);
  else if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
    process.stderr.write(
      `cityops: a port is already in use (${(error as Error).message}); is another CityOps running? ` +
        'Choose others with --mqtt-port/--api-port.\n',
    );
  } else process.stderr.write(`cityops: ${(error as Error).stack ?? error}\n`);
  process.exit(1);
});
