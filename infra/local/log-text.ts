/** Control characters (C0, DEL, C1), line and paragraph separators, and lone surrogates. */
const UNPRINTABLE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
  /[\u0000-\u001f\u007f-\u009f\u2028\u2029]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * A string a device or a client supplied, as the live log may print it: every control
 * character escaped (`\n`, `\u0000`), so no one can forge a log line, and cut to `max`
 * characters with the length it had.
 */
export function printable(text: string, max = 200): string {
  const escaped = text.replace(UNPRINTABLE, (c) => NAMED[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return escaped.length > max ? `${escaped.slice(0, max)}… (${text.length} characters)` : escaped;
}
