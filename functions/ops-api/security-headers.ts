import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet, { type HelmetOptions } from 'helmet';

/**
 * The hardening headers on every answer of the ops API, chosen with `helmet` (the same
 * defaults an Express app gets) and read off once into plain maps, since a function
 * answers API Gateway with a headers object, not a Node response.
 */
function headersOf(options: HelmetOptions): Record<string, string> {
  const headers: Record<string, string> = {};
  const response = {
    setHeader: (name: string, value: string | number) => {
      headers[name.toLowerCase()] = String(value);
    },
    removeHeader: (name: string) => {
      delete headers[name.toLowerCase()];
    },
  };
  helmet(options)({} as IncomingMessage, response as unknown as ServerResponse, () => {});
  return headers;
}

const common: HelmetOptions = {
  referrerPolicy: { policy: 'no-referrer' },
  xFrameOptions: { action: 'deny' },
  // The media bucket's pictures are read from another origin in AWS (a presigned S3 URL).
  crossOriginEmbedderPolicy: false,
};

/** JSON and redirects: nothing in them may run, be framed or be sniffed as another type. */
export const API_HEADERS: Readonly<Record<string, string>> = headersOf({
  ...common,
  contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } },
});

/**
 * The pages (the ops page, the workbench, the field app, the command screen): scripts and
 * styles from this origin only, no inline script; pictures from here or the media bucket;
 * requests to this API and, where people sign in through the user pool, its hosted domain.
 * The API's router asks once, when it is made.
 */
export function pageHeadersFor(signInDomain?: string): Readonly<Record<string, string>> {
  const signIn = signInDomain ? [new URL(signInDomain).origin] : [];
  return headersOf({
    ...common,
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        scriptSrcAttr: ["'none'"],
        // Element Plus and Leaflet set element styles; no style can run script.
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:', 'blob:', 'https:'],
        fontSrc: ["'self'", 'data:'],
        connectSrc: ["'self'", ...signIn],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'", ...signIn],
        frameAncestors: ["'none'"],
      },
    },
  });
}
