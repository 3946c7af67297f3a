import { Duration, Fn, Size, Stack, Validations } from 'aws-cdk-lib';
import {
  AppendDelimiterToRecordProcessor,
  Compression,
  DeliveryStream,
  KinesisStreamSource,
  S3Bucket,
} from 'aws-cdk-lib/aws-kinesisfirehose';
import type { IStream } from 'aws-cdk-lib/aws-kinesis';
import { Bucket, type IBucket } from 'aws-cdk-lib/aws-s3';
import { Grant, type IGrantable } from 'aws-cdk-lib/aws-iam';
import { stageExports } from '../stage.ts';
import { Construct } from 'constructs';
import { TELEMETRY_FLOWS } from '#infra/topology';

/** What aws-cdk-lib's S3 destination grants its delivery role on the bucket (its `grantReadWrite`). */
/** What a Firehose stream needs on its S3 destination (AWS's documented list): no delete. */
const FIREHOSE_S3_ACTIONS = [
  's3:AbortMultipartUpload',
  's3:GetBucketLocation',
  's3:GetObject',
  's3:ListBucket',
  's3:ListBucketMultipartUploads',
  's3:PutObject',
];

/**
 * The archive bucket as aws-cdk-lib's S3 destination sees it, but granting the delivery
 * role only {@link FIREHOSE_S3_ACTIONS} where the destination asks for read-write (which
 * would include `s3:DeleteObject*`).
 */
function writeOnly(bucket: IBucket): IBucket {
  return new Proxy(bucket, {
    get(target, property, receiver) {
      if (property === 'grantReadWrite')
        return (grantee: IGrantable) =>
          Grant.addToPrincipal({
            grantee,
            actions: FIREHOSE_S3_ACTIONS,
            resourceArns: [target.bucketArn, target.arnForObjects('*')],
          });
      return Reflect.get(target, property, receiver);
    },
  });
}

/**
 * One Firehose stream per telemetry flow that reads the flow's Kinesis stream (a consumer
 * of its own: archiving and processing never hold each other up) and writes every record
 * as it arrived, untransformed, a newline after each, gzipped, to the archive bucket under
 * `readings/kind=<kind>/YYYY/MM/DD/` (5 minutes or 64 MiB an object).
 */
export class TelemetryArchive extends Construct {
  /** By the flow's archive name. */
  readonly deliveryStreams: Record<string, DeliveryStream>;

  constructor(scope: Construct, id: string, props: { streams: Record<string, IStream> }) {
    super(scope, id);
    const bucket = writeOnly(Bucket.fromBucketArn(this, 'archive', Fn.importValue(stageExports(this).readingArchive)));
    this.deliveryStreams = Object.fromEntries(
      TELEMETRY_FLOWS.map((flow) => {
        const source = props.streams[flow.stream];
        if (!source) throw new Error(`no stream "${flow.stream}" for archive ${flow.archive}`);
        const delivery = new DeliveryStream(this, flow.archive, {
          source: new KinesisStreamSource(source),
          destination: new S3Bucket(bucket, {
            processors: [new AppendDelimiterToRecordProcessor()],
            dataOutputPrefix: `readings/kind=${flow.kind}/!{timestamp:yyyy/MM/dd}/`,
            errorOutputPrefix: `errors/kind=${flow.kind}/!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd}/`,
            bufferingInterval: Duration.minutes(5),
            bufferingSize: Size.mebibytes(64),
            compression: Compression.GZIP,
          }),
        });
        for (const finding of [`Resource::${stageExports(this).readingArchive}/*`]) {
          Validations.of(delivery).acknowledge({
            id: `AwsSolutions::AwsSolutions-IAM5[${finding}]`,
            reason:
              'The delivery role puts objects whose keys Firehose makes (prefix, time, a random suffix) in the ' +
              'archive bucket: on its objects only, with no delete.',
          });
        }
        Validations.of(delivery).acknowledge({
          id: 'AwsSolutions::AwsSolutions-KDF1',
          reason:
            'It reads a Kinesis stream, which is encrypted with KMS (aws/kinesis); Firehose takes no server-side ' +
            'encryption setting with a stream as its source.',
        });
        return [flow.archive, delivery];
      }),
    );
    Validations.of(Stack.of(this)).acknowledge({
      id: 'CloudFormation-Validate::W7001',
      reason:
        'aws-cdk-lib’s Firehose construct adds its CIDR-block mapping (for Redshift, Splunk and HTTP ' +
        'destinations) to any stack that uses it; an S3 destination never reads it.',
    });
  }
}
