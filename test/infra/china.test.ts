import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { buildCityOps } from '#infra/aws/cityops-app';

/** Both stacks of the prod stage synthesized for Beijing (cn-north-1, partition aws-cn), with cdk-nag checking. */
function synthesiseForChina() {
  const outdir = mkdtempSync(join(tmpdir(), 'cityops-cn-'));
  const app = new App({ outdir });
  buildCityOps(app, { stage: 'prod', env: { account: '123456789012', region: 'cn-north-1' } });
  app.synth();
  const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as {
    pluginReports: { pluginName: string; conclusion: string }[];
  };
  const templates = ['CityOps-prod-Stateful', 'CityOps-prod-Stateless'].map((s) => join(outdir, `${s}.template.json`));
  return { outdir, report, templates };
}

describe('AWS China (cn-north-1)', () => {
  const { report, templates } = synthesiseForChina();

  it('synthesizes with cdk-nag finding nothing unacknowledged', () => {
    const nag = report.pluginReports.filter((r) => /AwsSolutions|Serverless/.test(r.pluginName));
    expect(nag.map((r) => r.conclusion)).toEqual(['success', 'success']);
  });

  it('names no partition or domain of its own: no arn:aws: in either template, and no Cognito (not offered there)', () => {
    for (const file of templates) {
      const text = readFileSync(file, 'utf8');
      expect(text, file).not.toMatch(/arn:aws:/);
      expect(text, file).not.toMatch(/AWS::Cognito::/);
      expect(text, file).not.toMatch(/console\.aws\.amazon\.com/);
    }
  });

  it('passes cfn-lint for cn-north-1 with no error (its resource specification of the region)', () => {
    const run = spawnSync('cfn-lint', ['--regions', 'cn-north-1', '--format', 'json', '--', ...templates], {
      encoding: 'utf8',
    });
    expect(run.error, 'cfn-lint is installed by tools/prepare-machine.sh').toBeUndefined();
    const findings = JSON.parse(run.stdout || '[]') as { Level: string; Rule: { Id: string }; Message: string }[];
    expect(findings.filter((f) => f.Level === 'Error').map((f) => `${f.Rule.Id} ${f.Message}`)).toEqual([]);
  }, 120_000);

  it('keeps the code free of a hard-coded partition', () => {
    const files = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
      );
    const root = join(import.meta.dirname, '../..');
    const offenders = [
      ...files(join(root, 'infra/aws')),
      ...files(join(root, 'shared')),
      ...files(join(root, 'functions')),
    ]
      .filter((f) => /arn:aws:/.test(readFileSync(f, 'utf8')))
      .map((f) => f.slice(root.length + 1));
    expect(offenders).toEqual([]);
    expect(execFileSync('cfn-lint', ['--version'], { encoding: 'utf8' })).toMatch(/cfn-lint/);
  });
});
