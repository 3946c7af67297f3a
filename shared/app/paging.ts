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
