import { CfnOutput, Stack } from 'aws-cdk-lib';
import type { Bucket } from 'aws-cdk-lib/aws-s3';
import { privateBucket } from './private-bucket.ts';
import { Construct } from 'constructs';

import { stageExports } from '../stage.ts';

/**
 * The reports bucket: private, encrypted, TLS only, versioned (a month published again keeps
 * the earlier files). The publish-reports function writes each district's monthly report
 * under `<district>/<YYYY-MM>/` (report.json, the CSV tables, report.html, and
 * published.json last); people read them through IAM (the console, `aws s3 cp`).
 */
export class ReportBucket extends Construct {
  readonly bucket: Bucket;

  constructor(scope: Construct, id: string, props: { retain: boolean }) {
    super(scope, id);
    this.bucket = privateBucket(this, 'bucket', {
      retain: props.retain,
      writtenBy: 'the publish-reports function',
      versioned: true,
    });
    new CfnOutput(Stack.of(this), 'report-bucket', {
      value: this.bucket.bucketName,
      description: 'the monthly reports, <district>/<YYYY-MM>/',
    }).overrideLogicalId('ReportBucket');
    new CfnOutput(Stack.of(this), 'report-bucket-arn', {
      value: this.bucket.bucketArn,
      exportName: stageExports(this).reportBucket,
      description: 'the reports bucket, for the functions that publish reports',
    });
  }
}
