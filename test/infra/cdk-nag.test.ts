import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { buildCityOps } from '#infra/aws/cityops-app';

interface PluginReport {
  pluginName: string;
  conclusion: 'success' | 'failure';
  violations: { ruleName: string; violatingConstructs: { constructPath: string }[] }[];
  suppressedViolations?: {
    ruleName: string;
    acknowledgedId: string;
    reason: string;
    violatingConstructs: { constructPath: string }[];
  }[];
}

/** Synthesises an app into a fresh directory; returns cdk-nag's report and whether synthesis refused. */
function synthesise(build: (app: App) => void): { refused: boolean; reports: PluginReport[] } {
  const outdir = mkdtempSync(join(tmpdir(), 'cityops-nag-'));
  const app = new App({ outdir });
  build(app);
  let refused = false;
  try {
    app.synth();
  } catch (error) {
    if ((error as Error).name !== 'ValidationFailed') throw error;
    refused = true;
  }
  return {
    refused,
    reports: (
      JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as { pluginReports: PluginReport[] }
    ).pluginReports,
  };
}

describe('cdk-nag (AwsSolutions and Serverless packs)', () => {
  const { refused, reports } = synthesise((app) => buildCityOps(app));

  it('finds nothing unacknowledged in either stack', () => {
    // aws-cdk-lib's own CloudFormation validation reports too, once it has a finding (acknowledged below).
    expect(reports.map((r) => r.pluginName).sort()).toEqual(['AwsSolutions', 'CloudFormation Validate', 'Serverless']);
    const open = reports.flatMap((r) =>
      r.violations.flatMap((v) => v.violatingConstructs.map((c) => `${v.ruleName} at ${c.constructPath}`)),
    );
    expect(open).toEqual([]);
    expect(reports.every((r) => r.conclusion === 'success')).toBe(true);
    expect(refused).toBe(false);
  });

  it('acknowledges each finding by its rule id with a reason, and only the findings listed here', () => {
    const acknowledged = reports.flatMap((r) => r.suppressedViolations ?? []);
    for (const a of acknowledged) {
      expect(a.acknowledgedId).toContain(a.ruleName);
      expect(a.reason.length, `${a.ruleName}: the reason says why`).toBeGreaterThan(40);
    }
    // Rule → where it is acknowledged; a new finding, or a finding moving, shows up here.
    // Findings naming a resource by its logical id are grouped as `[…]`.
    const rule = (name: string) =>
      name.replace(/\[.*\]$/, (finding) => (finding === '[Resource::*]' ? finding : '[…]'));
    const counts: Record<string, number> = {};
    for (const a of acknowledged)
      counts[rule(a.ruleName)] = (counts[rule(a.ruleName)] ?? 0) + a.violatingConstructs.length;
    expect(counts).toEqual({
      // X-Ray's two actions take no resource: one per function role.
      'AwsSolutions-IAM5[Resource::*]': 9,
      // The schedules' roles may invoke their function's versions (`fn:*`) (4); each archive
      // stream's delivery role: put objects in the archive bucket, no delete (3); each ingest
      // function: put a discarded batch under any key of the discard bucket (3); the report
      // publisher's role: the reports bucket's objects (1); the ops API's: any medium's and
      // any camera snapshot's (2); the cameras' snapshot role: its own folder's objects (1).
      'AwsSolutions-IAM5[…]': 4 + 3 + 3 + 1 + 2 + 1,
      // The archive, reports, media and discarded-batch buckets have no server access logs (CloudTrail data events are the audit trail).
      'AwsSolutions-S1': 4,
      // A Firehose stream reading a Kinesis stream takes its encryption from the stream (encrypted with KMS).
      'AwsSolutions-KDF1': 3,
      // The Firehose construct's CIDR-block mapping, unused by an S3 destination.
      W7001: 1,
      // GET / (which leads to the district's map) and the pages' two routes (GET /app,
      // GET /app/{proxy+}), open to anyone: they hold no data.
      'AwsSolutions-APIG4': 3,
      // The operators' user pool without the paid Plus plan (an authenticator app is required instead).
      'AwsSolutions-COG8': 1,
      // The Pipe's and the schedules' dead-letter queues, which cdk-nag does not see as such (2);
      // the alarm mail subscription, with no dead-letter queue of its own (1).
      'AwsSolutions-SQS3': 2,
      'Serverless-SQSRedrivePolicy': 2,
      'Serverless-SNSRedrivePolicy': 1,
      'Serverless-LambdaDLQ': 9,
    });
  });

  it('refuses synthesis when a finding is not acknowledged (the check can fail)', () => {
    const bad = synthesise((app) => {
      new Queue(new Stack(app, 'Careless'), 'no-dlq');
      Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
    });
    expect(bad.refused).toBe(true);
    expect(bad.reports.flatMap((r) => r.violations.map((v) => v.ruleName))).toEqual(
      expect.arrayContaining(['AwsSolutions-SQS3', 'AwsSolutions-SQS4']),
    );
  });
});
