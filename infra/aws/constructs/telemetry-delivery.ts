import { Duration, Fn, Size, Stack, Validations, type CfnElement } from 'aws-cdk-lib';
import { Compression, DeliveryStream, LambdaFunctionProcessor, S3Bucket, StreamEncryption } from 'aws-cdk-lib/aws-kinesisfirehose';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { READING_ARCHIVE_EXPORT } from './reading-archive.ts';
import { Construct } from 'constructs';
import { TELEMETRY_ROUTES } from '#infra/routes';

/** What aws-cdk-lib's S3 destination grants its delivery role on the bucket (its `grantReadWrite`). */
const DESTINATION_GRANTS = ['Action::s3:Abort*', 'Action::s3:DeleteObject*', 'Action::s3:GetBucket*', 'Action::s3:GetObject*', 'Action::s3:List*'];

/**
 * One Firehose delivery stream per telemetry route: the topic rule puts each message on it;
 * it buffers them (the route's seconds or MiB, whichever first), has the route's ingest
 * function process each buffer, and writes what the function returns, gzipped, to the
 * archive bucket under `readings/kind=<kind>/YYYY/MM/DD/` (5 minutes or 64 MiB an object).
 * A buffer whose processing still fails after the route's retries lands under
 * `errors/kind=<kind>/processing-failed/…` with the records as they arrived.
 */
export class TelemetryDelivery extends Construct {
  /** By the route's delivery-stream name. */
  readonly streams: Record<string, DeliveryStream>;

  constructor(scope: Construct, id: string, props: { functions: Record<string, IFunction> }) {
    super(scope, id);
    const bucket = Bucket.fromBucketArn(this, 'archive', Fn.importValue(READING_ARCHIVE_EXPORT));
    this.streams = Object.fromEntries(
      TELEMETRY_ROUTES.map((route) => {
        const fn = props.functions[route.function];
        if (!fn) throw new Error(`no function "${route.function}" for delivery stream ${route.deliveryStream}`);
        const stream = new DeliveryStream(this, route.deliveryStream, {
          encryption: StreamEncryption.awsOwnedKey(),
          destination: new S3Bucket(bucket, {
            processor: new LambdaFunctionProcessor(fn, {
              bufferInterval: Duration.seconds(route.bufferSeconds),
              bufferSize: Size.mebibytes(route.bufferMb),
              retries: route.processingRetries,
            }),
            dataOutputPrefix: `readings/kind=${route.kind}/!{timestamp:yyyy/MM/dd}/`,
            errorOutputPrefix: `errors/kind=${route.kind}/!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd}/`,
            bufferingInterval: Duration.minutes(5),
            bufferingSize: Size.mebibytes(64),
            compression: Compression.GZIP,
          }),
        });
        for (const finding of [...DESTINATION_GRANTS, `Resource::${READING_ARCHIVE_EXPORT}/*`]) {
          Validations.of(stream).acknowledge({
            id: `AwsSolutions::AwsSolutions-IAM5[${finding}]`,
            reason: 'The delivery role aws-cdk-lib’s S3 destination makes: read-write on the archive bucket and its objects only (Firehose needs to list, put and abort multipart uploads there).',
          });
        }
        Validations.of(stream).acknowledge({
          id: `AwsSolutions::AwsSolutions-IAM5[Resource::<${Stack.of(fn).getLogicalId(fn.node.defaultChild as CfnElement)}.Arn>:*]`,
          reason: `The delivery role may invoke the ${route.function} function only; \`:*\` covers its versions, as aws-cdk-lib’s Lambda processor grants it.`,
        });
        return [route.deliveryStream, stream];
      }),
    );
    Validations.of(Stack.of(this)).acknowledge({
      id: 'CloudFormation-Validate::W7001',
      reason: 'aws-cdk-lib’s Firehose construct adds its CIDR-block mapping (for Redshift, Splunk and HTTP destinations) to any stack that uses it; an S3 destination never reads it.',
    });
  }
}
