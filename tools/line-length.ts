import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/*
 * `npm run lint`'s last check: no line of code over 140 characters (in a Vue file, of its
 * script; its template is HTML). Biome formats at 120 but leaves strings and comments
 * whole; a page or a printout in a string belongs in a template or a table. (ESLint's
 * max-len would do the same, at the cost of ESLint beside Biome.)
 */

const MAX = 140;
const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], { encoding: 'utf8' })
  .split('\n')
  .filter((file) => /\.(ts|mts|mjs|cjs|vue)$/.test(file) && !file.startsWith('test/fixtures/'));
const long = files.flatMap((file) => {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return []; // listed by git, deleted in the work tree
  }
  let inScript = !file.endsWith('.vue');
  return text.split('\n').flatMap((line, i) => {
    if (file.endsWith('.vue') && /^<\/?script/.test(line)) inScript = !line.startsWith('</');
    return inScript && [...line].length > MAX ? [`${file}:${i + 1}: ${[...line].length}`] : [];
  });
});
if (long.length) {
  console.error(`${long.length} line(s) over ${MAX} characters:\n${long.join('\n')}`);
  process.exit(1);
}
