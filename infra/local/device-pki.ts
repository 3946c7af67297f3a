import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  BasicConstraintsExtension,
  ExtendedKeyUsageExtension,
  KeyUsageFlags,
  KeyUsagesExtension,
  PemConverter,
  SubjectAlternativeNameExtension,
  X509Certificate,
  X509CertificateGenerator,
} from '@peculiar/x509';
import { DEVICE_FILES } from '#devices/provisioning';

/**
 * The local stack's own certificate authority, as AWS IoT Core has its registered CAs: it
 * signs the broker's TLS certificate and one client certificate a device (subject
 * `CN=<thing>`), made with an X.509 library, kept in `<dir>`:
 *
 * ```
 * ca.crt, ca.key                     the authority (the key never leaves this folder)
 * broker.crt, broker.key             the broker's server certificate (localhost, 127.0.0.1, the host)
 * devices/<thing>/certificate.pem.crt, private.pem.key   as `npm run provision` lays them out
 * ```
 *
 * Made on first use and kept: a device's certificate is made once.
 */
export interface LocalPki {
  dir: string;
  caFile: string;
  /** PEM of the authority's certificate (what a client trusts, and what the broker verifies devices against). */
  ca: string;
  broker: { key: string; cert: string };
  /** Where each device's key and certificate are (`devices/<thing>/`). */
  deviceDir: string;
  /** Whether the authority has given this thing a certificate (it has one in `devices/<thing>/`). */
  certified(thing: string): boolean;
}

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const YEAR = 365 * 86_400_000;
const subtle = webcrypto.subtle;

const serial = () => Buffer.from(webcrypto.getRandomValues(new Uint8Array(12))).toString('hex');
const keyPem = async (key: webcrypto.CryptoKey) =>
  PemConverter.encode(await subtle.exportKey('pkcs8', key), 'PRIVATE KEY');
const newKeys = () => subtle.generateKey(ALGORITHM, true, ['sign', 'verify']) as Promise<webcrypto.CryptoKeyPair>;

async function writeSecret(file: string, text: string) {
  await writeFile(file, text, { mode: 0o600 });
}

/** Loads the authority of `dir`, or makes it. */
async function authority(dir: string): Promise<{ cert: X509Certificate; key: webcrypto.CryptoKey; pem: string }> {
  const certFile = join(dir, 'ca.crt');
  const keyFile = join(dir, 'ca.key');
  if (existsSync(certFile) && existsSync(keyFile)) {
    const pem = await readFile(certFile, 'utf8');
    const der = PemConverter.decodeFirst(await readFile(keyFile, 'utf8'));
    const key = await subtle.importKey('pkcs8', der, ALGORITHM, false, ['sign']);
    return { cert: new X509Certificate(pem), key, pem };
  }
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const keys = await newKeys();
  const now = Date.now();
  const cert = await X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: serial(),
      name: 'CN=CityOps local device CA',
      notBefore: new Date(now - 60_000),
      notAfter: new Date(now + 10 * YEAR),
      signingAlgorithm: ALGORITHM,
      keys,
      extensions: [
        new BasicConstraintsExtension(true, 0, true),
        new KeyUsagesExtension(KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign, true),
      ],
    },
    webcrypto as never,
  );
  const pem = cert.toString('pem');
  await writeSecret(keyFile, await keyPem(keys.privateKey));
  await writeFile(certFile, pem);
  return { cert, key: keys.privateKey, pem };
}

/** A certificate for `subject` signed by the authority, with its new key. */
async function issue(
  ca: { cert: X509Certificate; key: webcrypto.CryptoKey },
  subject: string,
  use: 'server' | 'client',
  altNames: { type: 'dns' | 'ip'; value: string }[] = [],
): Promise<{ cert: string; key: string }> {
  const keys = await newKeys();
  const now = Date.now();
  const cert = await X509CertificateGenerator.create(
    {
      serialNumber: serial(),
      subject,
      issuer: ca.cert.subject,
      notBefore: new Date(now - 60_000),
      notAfter: new Date(now + (use === 'server' ? 2 : 10) * YEAR),
      signingAlgorithm: ALGORITHM,
      publicKey: keys.publicKey,
      signingKey: ca.key,
      extensions: [
        new BasicConstraintsExtension(false, undefined, true),
        new KeyUsagesExtension(KeyUsageFlags.digitalSignature, true),
        new ExtendedKeyUsageExtension([use === 'server' ? '1.3.6.1.5.5.7.3.1' : '1.3.6.1.5.5.7.3.2']),
        ...(altNames.length ? [new SubjectAlternativeNameExtension(altNames)] : []),
      ],
    },
    webcrypto as never,
  );
  return { cert: cert.toString('pem'), key: await keyPem(keys.privateKey) };
}

/**
 * Makes (once) the authority, the broker's certificate for `hosts`, and a certificate for
 * each thing that has none yet.
 */
export async function ensurePki(dir: string, things: string[], hosts: string[] = []): Promise<LocalPki> {
  const ca = await authority(dir);
  const brokerCert = join(dir, 'broker.crt');
  const brokerKey = join(dir, 'broker.key');
  const names = [...new Set(['localhost', '127.0.0.1', ...hosts])];
  const known = existsSync(brokerCert) ? new X509Certificate(await readFile(brokerCert, 'utf8')) : undefined;
  const covered =
    known &&
    names.every((name) =>
      known.getExtension(SubjectAlternativeNameExtension)?.names.items.some((item) => item.value === name),
    );
  if (!covered || !existsSync(brokerKey)) {
    const issued = await issue(
      ca,
      'CN=CityOps local broker',
      'server',
      names.map((value) => ({ type: /^[\d.]+$|:/.test(value) ? 'ip' : 'dns', value })),
    );
    await writeFile(brokerCert, issued.cert);
    await writeSecret(brokerKey, issued.key);
  }
  const deviceDir = join(dir, 'devices');
  for (const thing of things) {
    const folder = join(deviceDir, thing);
    if (existsSync(join(folder, DEVICE_FILES.certificate)) && existsSync(join(folder, DEVICE_FILES.key))) continue;
    await mkdir(folder, { recursive: true, mode: 0o700 });
    const issued = await issue(ca, `CN=${thing}`, 'client');
    await writeSecret(join(folder, DEVICE_FILES.key), issued.key);
    await writeFile(join(folder, DEVICE_FILES.certificate), issued.cert);
  }
  const certified = new Set(
    (existsSync(deviceDir) ? await readdir(deviceDir, { withFileTypes: true }) : [])
      .filter((entry) => entry.isDirectory() && existsSync(join(deviceDir, entry.name, DEVICE_FILES.certificate)))
      .map((entry) => entry.name),
  );
  return {
    dir,
    caFile: join(dir, 'ca.crt'),
    ca: ca.pem,
    broker: { key: await readFile(brokerKey, 'utf8'), cert: await readFile(brokerCert, 'utf8') },
    deviceDir,
    certified: (thing) => certified.has(thing),
  };
}
