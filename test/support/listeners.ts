import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** A listening TCP socket: where it is bound, and which process holds it. */
export interface Listener {
  address: string;
  port: number;
  pid?: number;
}

/** An address of /proc/net/tcp (8 hex digits) or tcp6 (32), each 32-bit word in the machine's (little-endian) order. */
function addressOf(hex: string): string {
  const bytes = (hex.match(/.{8}/g) ?? []).flatMap((word) =>
    (word.match(/../g) ?? []).reverse().map((b) => parseInt(b, 16)),
  );
  if (bytes.length === 4) return bytes.join('.');
  const zeros = (n: number) => bytes.slice(0, n).every((b) => b === 0);
  if (zeros(16)) return '::';
  if (zeros(15) && bytes[15] === 1) return '::1';
  if (zeros(10) && bytes[10] === 0xff && bytes[11] === 0xff) return `::ffff:${bytes.slice(12).join('.')}`;
  return Array.from({ length: 8 }, (_, i) => ((bytes[2 * i]! << 8) | bytes[2 * i + 1]!).toString(16)).join(':');
}

/** Whether a listener's address is this machine's loopback only. */
export const isLoopbackAddress = (address: string) =>
  /^127\./.test(address) || address === '::1' || /^::ffff:127\./.test(address);

/**
 * Every listening TCP socket (Linux: /proc/net/tcp and tcp6), with the process that holds
 * it when it is one of `pids` (found by the sockets among their open files).
 */
export function listeners(pids: number[] = []): Listener[] {
  const owners = new Map<string, number>();
  for (const pid of pids)
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      let link: string;
      try {
        link = readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        continue; // closed meanwhile
      }
      const inode = /^socket:\[(\d+)\]$/.exec(link)?.[1];
      if (inode) owners.set(inode, pid);
    }
  const found: Listener[] = [];
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(file, 'utf8').trim().split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      const [local, state, inode] = [fields[1]!, fields[3], fields[9]!];
      if (state !== '0A') continue; // TCP_LISTEN
      const [hex, port] = local.split(':') as [string, string];
      found.push({ address: addressOf(hex), port: parseInt(port, 16), pid: owners.get(inode) });
    }
  }
  return found;
}
