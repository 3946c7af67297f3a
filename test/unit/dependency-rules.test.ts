import { createRequire } from 'node:module';
import { cruise, type ICruiseResult } from 'dependency-cruiser';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const config = require('../../.dependency-cruiser.cjs');

/** Runs the project's dependency rules on a small tree laid out like the project's. */
async function violations(baseDir: string) {
  const { output } = await cruise(['shared'], {
    ...config.options,
    tsConfig: undefined,
    baseDir,
    ruleSet: { forbidden: config.forbidden },
    validate: true,
  });
  return (output as ICruiseResult).summary.violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`).sort();
}

describe('the design’s dependency rules (npm run lint)', () => {
  it('refuse a domain module that imports an adapter or does I/O, and let a clean use case through', async () => {
    expect(await violations('test/fixtures/rings')).toEqual([
      'domain-is-pure: shared/domain/leaky.ts → fs',
      'domain-is-pure: shared/domain/leaky.ts → shared/adapters/table.ts',
    ]);
  });
});
