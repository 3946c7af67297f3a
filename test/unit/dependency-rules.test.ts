import { createRequire } from 'node:module';
import { cruise, type ICruiseResult } from 'dependency-cruiser';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const config = require('../../.dependency-cruiser.cjs');

/** Runs the project's dependency rules on `folders` of a tree (by default a small one laid out like the project's). */
async function violations(baseDir: string, folders = ['shared'], tsConfig?: string) {
  const { output } = await cruise(
    folders,
    {
      ...config.options,
      tsConfig: tsConfig ? { fileName: tsConfig } : undefined,
      baseDir,
      ruleSet: config,
      validate: true,
    },
    undefined,
    tsConfig ? { tsConfig: extractTSConfig(tsConfig) } : undefined,
  );
  return (output as ICruiseResult).summary.violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`).sort();
}

describe('the design’s dependency rules (npm run lint)', () => {
  const rings = violations('test/fixtures/rings');

  it('refuse a domain module that imports an adapter or does I/O, and let a clean use case through', async () => {
    expect((await rings).filter((v) => !v.startsWith('domain-without-cycles:'))).toEqual([
      'domain-is-pure: shared/domain/leaky.ts → fs',
      'domain-is-pure: shared/domain/leaky.ts → shared/adapters/table.ts',
    ]);
  });

  it('refuse a cycle inside the domain, even one of type-only imports', async () => {
    expect((await rings).filter((v) => v.startsWith('domain-without-cycles:'))).toEqual([
      'domain-without-cycles: shared/domain/ring/case.ts → shared/domain/ring/label.ts',
    ]);
  });

  it('find nothing to refuse in the project itself', async () => {
    const folders = ['shared', 'functions', 'infra', 'devices', 'tools', 'test', 'web'];
    expect(await violations(process.cwd(), folders, 'tsconfig.json')).toEqual([]);
  }, 60_000);

  it('refuse a page that imports a function, an adapter or a use case to run, and let a page with an answer’s type through', async () => {
    expect((await violations('test/fixtures/rings', ['web'])).filter((v) => v.includes('web/'))).toEqual([
      'web-is-a-client: web/src/page.ts → functions/api/routes.ts',
      'web-is-a-client: web/src/page.ts → shared/adapters/table.ts',
      'web-reads-answers-as-types: web/src/page.ts → shared/app/pure.ts',
    ]);
  });
});
