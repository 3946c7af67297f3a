export {};
/** `npm run bench -- <name> [options]`: runs one benchmark (or all, without a name). */
const BENCHES: Record<string, string> = { coverage: './coverage.ts', ingest: './ingest.ts', city: './city.ts' };
const name = process.argv[2];
if (name && !(name in BENCHES)) {
  process.stderr.write(`bench: unknown benchmark "${name}"; choose from ${Object.keys(BENCHES).join(', ')}\n`);
  process.exit(1);
}
for (const [bench, module] of Object.entries(BENCHES)) {
  if (!name || name === bench) await import(module);
}
