import { CfnOutput, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { BlockPublicAccess, Bucket, BucketEncryption } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

/** The export the functions (stateless stack) import the reports bucket by: a fixed name, as the reading archive's (see READING_ARCHIVE_EXPORT). */
export const REPORT_BUCKET_EXPORT = 'CityOps-ReportBucketArn';

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
    this.bucket = new Bucket(this, 'bucket', {
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      versioned: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      removalPolicy: props.retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    Validations.of(this.bucket).acknowledge({
      id: 'AwsSolutions::AwsSolutions-S1',
      reason: 'Only the publish-reports function writes to it and people read it through IAM; CloudTrail S3 data events, not server access logs, are the audit trail a deployment turns on if it wants one.',
    });
    new CfnOutput(Stack.of(this), 'report-bucket', { value: this.bucket.bucketName, description: 'the monthly reports, <district>/<YYYY-MM>/' }).overrideLogicalId('ReportBucket');
    new CfnOutput(Stack.of(this), 'report-bucket-arn', { value: this.bucket.bucketArn, exportName: REPORT_BUCKET_EXPORT, description: 'the reports bucket, for the functions that publish reports' });
  }
}
