import { createServer, request, type Server } from 'node:http';

/**
 * A fault-injecting HTTP proxy in front of a real DynamoDB (Local): requests pass through
 * untouched until `poison(marker)` is set; from then on every request whose body mentions
 * the marker fails as DynamoDB fails under load (HTTP 500, InternalServerError), except
 * that a BatchWriteItem only loses the items that mention it: they come back as
 * UnprocessedItems, as a throttled batch write returns them.
 */
export async function faultyDynamo(target: string) {
  let marker: string | undefined;
  const injected = { failed: 0, unprocessed: 0 };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body = Buffer.concat(chunks).toString('utf8');
      const operation = String(req.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
      let held: Record<string, unknown[]> | undefined;
      if (marker && body.includes(marker)) {
        if (operation === 'BatchWriteItem') {
          const input = JSON.parse(body) as { RequestItems: Record<string, unknown[]> };
          held = {};
          for (const [table, writes] of Object.entries(input.RequestItems)) {
            const bad = writes.filter((w) => JSON.stringify(w).includes(marker!));
            input.RequestItems[table] = writes.filter((w) => !bad.includes(w));
            if (bad.length) held[table] = bad;
            if (input.RequestItems[table]!.length === 0) delete input.RequestItems[table];
            injected.unprocessed += bad.length;
          }
          if (Object.keys(input.RequestItems).length === 0) {
            res
              .writeHead(200, { 'content-type': 'application/x-amz-json-1.0' })
              .end(JSON.stringify({ UnprocessedItems: held }));
            return;
          }
          body = JSON.stringify(input);
        } else {
          injected.failed++;
          res.writeHead(500, { 'content-type': 'application/x-amz-json-1.0' }).end(
            JSON.stringify({
              __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError',
              message: `injected fault (${marker})`,
            }),
          );
          return;
        }
      }
      const url = new URL(target);
      const headers = { ...req.headers, 'content-length': String(Buffer.byteLength(body)) };
      const upstream = request(
        { host: url.hostname, port: url.port, path: req.url, method: req.method, headers },
        (answer) => {
          const parts: Buffer[] = [];
          answer.on('data', (c: Buffer) => parts.push(c));
          answer.on('end', () => {
            let text = Buffer.concat(parts).toString('utf8');
            if (held && answer.statusCode === 200) {
              const output = JSON.parse(text) as { UnprocessedItems?: Record<string, unknown[]> };
              output.UnprocessedItems ??= {};
              for (const [table, writes] of Object.entries(held))
                output.UnprocessedItems[table] = [...(output.UnprocessedItems[table] ?? []), ...writes];
              text = JSON.stringify(output);
            }
            const out = { ...answer.headers, 'content-length': String(Buffer.byteLength(text)) };
            delete (out as Record<string, unknown>)['x-amz-crc32']; // the body may have changed
            res.writeHead(answer.statusCode ?? 502, out).end(text);
          });
        },
      );
      upstream.on('error', (error) => res.writeHead(502).end(String(error)));
      upstream.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    injected,
    poison: (value: string | undefined) => (marker = value),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
