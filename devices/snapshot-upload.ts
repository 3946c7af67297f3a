import { request } from 'node:https';

/** A thing's own TLS material: its certificate and key, and the authority it trusts. */
export interface DeviceTls {
  key?: string | Buffer;
  cert?: string | Buffer;
  ca?: string | Buffer | (string | Buffer)[];
}

/**
 * A camera putting one snapshot where it names it (`<bucketUrl>/<snapshotKey>`), as its
 * own certificate: locally the stack's mutual-TLS listener for snapshots, which takes a
 * folder's snapshots from that folder's camera only. Answers the HTTP status.
 */
export function putSnapshot(
  bucketUrl: string,
  snapshotKey: string,
  body: Buffer,
  tls: DeviceTls,
  contentType = 'image/jpeg',
): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${bucketUrl}/${snapshotKey}`,
      {
        method: 'PUT',
        headers: { 'content-type': contentType, 'content-length': String(body.length) },
        key: tls.key,
        cert: tls.cert,
        ca: tls.ca,
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
