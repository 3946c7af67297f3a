/**
 * FNV-1a over a string: a stable, well-spread number for putting names into shards (an
 * index partition, a device's phase). Not a security measure.
 */
export function spreadHash(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
