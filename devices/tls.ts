import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { IClientOptions } from 'mqtt';

/**
 * Mutual-TLS options for a thing whose keys `npm run provision` wrote to `<certDir>/<thing>/`:
 * how the fleet connects to AWS IoT Core (mqtts://<ATS endpoint>:8883), through the same
 * runner it uses locally. `ca` is the server's root certificate (Amazon Root CA 1 for IoT
 * Core), when the system's roots should not be used.
 */
export function mutualTls(certDir: string, caFile?: string) {
  const ca = caFile ? readFileSync(caFile) : undefined;
  return (thing: string): Partial<IClientOptions> => {
    const dir = join(certDir, thing);
    const cert = join(dir, 'certificate.pem.crt');
    const key = join(dir, 'private.pem.key');
    if (!existsSync(cert) || !existsSync(key))
      throw new Error(`no certificate for ${thing} in ${dir}: run npm run provision first`);
    return { key: readFileSync(key), cert: readFileSync(cert), ...(ca ? { ca } : {}), rejectUnauthorized: true };
  };
}
