import { CfnOutput, Duration, Stack } from 'aws-cdk-lib';
import { StorageClass, type Bucket } from 'aws-cdk-lib/aws-s3';
import { privateBucket } from './private-bucket.ts';
import { Construct } from 'constructs';

/**
 * The export the archive's Firehose streams (stateless stack) import the archive bucket by: a fixed
 * name, so their roles' policies name the bucket readably (`<export>/*`) and the cdk-nag
 * acknowledgements of those policies can say exactly what they cover.
 */
import { stageExports } from '../stage.ts';

/**
 * The reading archive: one private S3 bucket. The telemetry archive's Firehose streams (stateless
 * stack) write every message as it came (a line each, gzipped) into it under `readings/kind=<kind>/YYYY/MM/DD/`
 * (Hive-style, so Athena or any S3 reader can take a kind and a day), and what they could
 * not process under `errors/kind=<kind>/…`.
 */
export class TelemetryArchiveBucket extends Construct {
  readonly bucket: Bucket;

  constructor(scope: Construct, id: string, props: { retain: boolean }) {
    super(scope, id);
    this.bucket = privateBucket(this, 'bucket', {
      retain: props.retain,
      writtenBy: 'the archive’s Firehose streams',
      // Versioned, and its writers may not delete: a message once archived stays.
      versioned: true,
      // Readings are the record for assessments and reviews: kept, in a cheaper class after 90 days.
      lifecycleRules: [
        { transitions: [{ storageClass: StorageClass.GLACIER_INSTANT_RETRIEVAL, transitionAfter: Duration.days(90) }] },
      ],
    });
    new CfnOutput(Stack.of(this), 'reading-archive-bucket', {
      value: this.bucket.bucketName,
      description: 'every message taken, as it came, gzipped JSON Lines by kind and day',
    });
    new CfnOutput(Stack.of(this), 'reading-archive-arn', {
      value: this.bucket.bucketArn,
      exportName: stageExports(this).readingArchive,
      description: 'the archive bucket, for the archive’s Firehose streams',
    });
  }
}
