import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');

describe('npm run synth', () => {
  it('synthesises both stacks offline through the CDK CLI, with the cdk-nag checks passing', async () => {
    const out = mkdtempSync(join(tmpdir(), 'cityops-synth-'));
    // The same command as the `synth` script, into a scratch folder; a non-zero exit rejects.
    await promisify(execFile)(
      join(ROOT, 'node_modules/.bin/cdk'),
      ['synth', '--no-notices', '--quiet', '--output', out],
      {
        cwd: ROOT,
        env: { ...process.env, CDK_DISABLE_CLI_TELEMETRY: 'true' },
        timeout: 120_000,
      },
    );
    for (const stack of ['CityOps-dev-Stateful', 'CityOps-dev-Stateless'])
      expect(existsSync(join(out, `${stack}.template.json`))).toBe(true);
    const report = JSON.parse(readFileSync(join(out, 'validation-report.json'), 'utf8')) as {
      pluginReports: { pluginName: string; conclusion: string }[];
    };
    expect(report.pluginReports.map((r) => [r.pluginName, r.conclusion])).toEqual([
      ['AwsSolutions', 'success'],
      ['Serverless', 'success'],
    ]);
  }, 150_000);
});
