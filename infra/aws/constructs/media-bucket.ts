import { CfnOutput, Duration, Stack } from 'aws-cdk-lib';
import { type Bucket, HttpMethods } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { stageExports } from '../stage.ts';
import { privateBucket } from './private-bucket.ts';

/**
 * The media bucket: photos and videos people attach to reports and case actions, under
 * `media/<id>`. Private and encrypted; a client puts a body with the one-time presigned URL
 * the ops API gives (`POST /media`: type, exact length and `If-None-Match: *` signed, so a
 * second put is refused) and reads it through a short-lived presigned GET. Browsers (the
 * field app) may put and get across origins; nothing else is public.
 */
export class MediaBucket extends Construct {
  readonly bucket: Bucket;

  constructor(scope: Construct, id: string, props: { retain: boolean }) {
    super(scope, id);
    this.bucket = privateBucket(this, 'bucket', {
      retain: props.retain,
      writtenBy: 'clients holding a one-time presigned URL from the ops API',
      versioned: true,
      lifecycleRules: [{ abortIncompleteMultipartUploadAfter: Duration.days(1) }],
    });
    this.bucket.addCorsRule({
      allowedMethods: [HttpMethods.PUT, HttpMethods.GET],
      allowedOrigins: ['*'],
      allowedHeaders: ['content-type', 'if-none-match'],
      maxAge: 3000,
    });
    new CfnOutput(Stack.of(this), 'media-bucket-arn', {
      value: this.bucket.bucketArn,
      exportName: stageExports(this).mediaBucket,
      description: 'the media bucket, for the ops API',
    });
  }
}
