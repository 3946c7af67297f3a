import { createServer, type Server as NetServer } from 'node:net';

/** Local servers bind to loopback only unless told otherwise. */
export const LOCAL_HOST = '127.0.0.1';

/** Whether an address is this machine's loopback (127.0.0.0/8, ::1, localhost). */
export const isLoopback = (host: string): boolean =>
  host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);

/** Starts listening (port 0 picks a free one) and returns where it listens. */
export async function listen(
  server: NetServer,
  port: number,
  host = LOCAL_HOST,
): Promise<{ host: string; port: number }> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return { host, port: (server.address() as { port: number }).port };
}

/** A port free right now on loopback (for a child process that takes a port number). */
export async function freePort(): Promise<number> {
  const server = createServer();
  const { port } = await listen(server, 0);
  await new Promise((resolve) => server.close(resolve));
  return port;
}
