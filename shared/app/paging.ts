import { z } from 'zod';
import { spreadHash } from '#shared/domain/spread';
import { InvalidPageTokenError } from './errors.ts';

export interface Page<T> {
  items: T[];
  /** Pass back to get the next page; absent on the last page. */
  nextToken?: string;
}

/** Every item of a paged listing, asked for page by page. */
export async function allPages<T>(page: (nextToken: string | undefined) => Promise<Page<T>>): Promise<T[]> {
  const items: T[] = [];
  let nextToken: string | undefined;
  do {
    const next = await page(nextToken);
    items.push(...next.items);
    nextToken = next.nextToken;
  } while (nextToken);
  return items;
}

export function encodePageToken(key: unknown): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

export function decodePageToken<T>(token: string): T {
  try {
    return JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as T;
  } catch {
    throw new InvalidPageTokenError('nextToken is not one this API issued');
  }
}

/**
 * Page tokens bound to their listing: the sort key to go on from (of the shape `sortKey`)
 * and a hash of the listing's parameters, so a token used with another listing, or one
 * this API did not issue, is an {@link InvalidPageTokenError} (a 400), never misread.
 */
export function listingCursor(sortKey: RegExp) {
  const Cursor = z.object({ k: z.string().regex(sortKey), q: z.int() }).strict();
  const hashOf = (listing: unknown[]) => spreadHash(JSON.stringify(listing));
  return {
    encode: (key: string, listing: unknown[]): string => encodePageToken({ k: key, q: hashOf(listing) }),
    decode(token: string, listing: unknown[]): string {
      const parsed = Cursor.safeParse(decodePageToken(token));
      if (!parsed.success || parsed.data.q !== hashOf(listing))
        throw new InvalidPageTokenError('nextToken is not one this API issued for this listing');
      return parsed.data.k;
    },
  };
}
