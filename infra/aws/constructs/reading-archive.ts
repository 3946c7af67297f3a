import { CfnOutput, Duration, RemovalPolicy, Size, Stack, Validations } from 'aws-cdk-lib';
import { Compression, DeliveryStream, S3Bucket, StreamEncryption } from 'aws-cdk-lib/aws-kinesisfirehose';
import { BlockPublicAccess, Bucket, BucketEncryption, StorageClass } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { TELEMETRY_ROUTES } from '#infra/routes';

/** What aws-cdk-lib's S3 destination grants its delivery role on the bucket (its `grantReadWrite`). */
const DESTINATION_GRANTS = ['Action::s3:Abort*', 'Action::s3:DeleteObject*', 'Action::s3:GetBucket*', 'Action::s3:GetObject*', 'Action::s3:List*'];

/**
 * The reading archive: one S3 bucket, and per telemetry route a Firehose delivery stream
 * into it that writes gzipped JSON Lines under `readings/kind=<kind>/YYYY/MM/DD/`
 * (Hive-style, so Athena or any S3 reader can take a kind and a day). Ingest functions
 * put one record per batch; Firehose buffers up to 5 minutes or 64 MiB per object.
 */
export class ReadingArchive extends Construct {
  readonly bucket: Bucket;
  /** By the route's archive name. */
  readonly streams: Record<string, DeliveryStream>;

  constructor(scope: Construct, id: string, props: { retain: boolean }) {
    super(scope, id);
    this.bucket = new Bucket(this, 'bucket', {
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      // Readings are the record for assessments and reviews: kept, in a cheaper class after 90 days.
      lifecycleRules: [{ transitions: [{ storageClass: StorageClass.GLACIER_INSTANT_RETRIEVAL, transitionAfter: Duration.days(90) }] }],
      removalPolicy: props.retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    Validations.of(this.bucket).acknowledge({
      id: 'AwsSolutions::AwsSolutions-S1',
      reason: 'Only the archive delivery streams write to it and people read it through IAM; CloudTrail S3 data events, not server access logs, are the audit trail a deployment turns on if it wants one.',
    });
    const bucketObjects = `Resource::<${Stack.of(this).getLogicalId(this.bucket.node.defaultChild as never)}.Arn>/*`;
    this.streams = Object.fromEntries(
      TELEMETRY_ROUTES.map((route) => {
        const stream = new DeliveryStream(this, route.archive, {
          encryption: StreamEncryption.awsOwnedKey(),
          destination: new S3Bucket(this.bucket, {
            dataOutputPrefix: `readings/kind=${route.kind}/!{timestamp:yyyy/MM/dd}/`,
            errorOutputPrefix: `errors/kind=${route.kind}/!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd}/`,
            bufferingInterval: Duration.minutes(5),
            bufferingSize: Size.mebibytes(64),
            compression: Compression.GZIP,
          }),
        });
        for (const finding of [...DESTINATION_GRANTS, bucketObjects]) {
          Validations.of(stream).acknowledge({
            id: `AwsSolutions::AwsSolutions-IAM5[${finding}]`,
            reason: 'The delivery role aws-cdk-lib’s S3 destination makes: read-write on the archive bucket and its objects only (Firehose needs to list, put and abort multipart uploads there).',
          });
        }
        return [route.archive, stream];
      }),
    );
    Validations.of(Stack.of(this)).acknowledge({
      id: 'CloudFormation-Validate::W7001',
      reason: 'aws-cdk-lib’s Firehose construct adds its CIDR-block mapping (for Redshift, Splunk and HTTP destinations) to any stack that uses it; an S3 destination never reads it.',
    });
    new CfnOutput(Stack.of(this), 'reading-archive-bucket', { value: this.bucket.bucketName, description: 'every accepted reading, gzipped JSON Lines by kind and day' });
  }
}
