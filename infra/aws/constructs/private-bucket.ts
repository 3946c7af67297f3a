import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import { BlockPublicAccess, Bucket, BucketEncryption, type BucketProps } from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';

/**
 * A bucket as CityOps keeps them: private, S3-managed encryption, TLS only, kept when the
 * stack goes if `retain`. It has no server access logs: `writtenBy` says who alone writes
 * to it, and people read it through IAM.
 */
export function privateBucket(
  scope: Construct,
  id: string,
  props: { retain: boolean; writtenBy: string } & Pick<BucketProps, 'versioned' | 'lifecycleRules'>,
): Bucket {
  const { retain, writtenBy, ...rest } = props;
  const bucket = new Bucket(scope, id, {
    encryption: BucketEncryption.S3_MANAGED,
    enforceSSL: true,
    blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
    removalPolicy: retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    ...rest,
  });
  Validations.of(bucket).acknowledge({
    id: 'AwsSolutions::AwsSolutions-S1',
    reason:
      `Written only by ${writtenBy}, and read by people through IAM; CloudTrail S3 data events, not server ` +
      'access logs, are the audit trail a deployment turns on if it wants one.',
  });
  return bucket;
}
