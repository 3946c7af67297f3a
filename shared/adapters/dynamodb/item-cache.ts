/** Where an item is kept in an {@link ItemCache}: its table and key. */
export const itemCacheKey = (table: string, key: { pk: string; sk: string }) => `${table}|${key.pk}|${key.sk}`;

/** In the cache: the item is known not to exist (read ahead and not found). */
export const ABSENT: Record<string, unknown> = Object.freeze({}) as Record<string, unknown>;

/**
 * The items a store last read or wrote, newest use last, at most `max` of them. Items are
 * never changed in place (a change builds a new item), so a cached one can be handed out.
 */
export class ItemCache {
  private readonly items = new Map<string, Record<string, unknown>>();
  constructor(private readonly max: number) {}

  get(key: string): Record<string, unknown> | undefined {
    const item = this.items.get(key);
    if (item) {
      this.items.delete(key);
      this.items.set(key, item);
    }
    return item;
  }

  /** Keeps an item as written (or read); the least recently used goes past `max`. */
  set(key: string, item: Record<string, unknown>): void {
    this.items.delete(key);
    this.items.set(key, item);
    if (this.items.size > this.max) this.items.delete(this.items.keys().next().value!);
  }

  delete(key: string): void {
    this.items.delete(key);
  }
}
