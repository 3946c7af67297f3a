import { Stack, Token } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { checkStage, DEFAULT_STAGE } from '#shared/domain/iot-names';

/**
 * The stage a construct is deployed in: the app's `stage` context (`cdk deploy -c
 * stage=prod`), `dev` without one. Every physical name, export and stack name carries it.
 */
export const stageOf = (scope: IConstruct): string =>
  checkStage(String(scope.node.tryGetContext('stage') ?? DEFAULT_STAGE));

/** A resource's physical name in the construct's stage: `cityops-<stage>-<base>`. */
export const stageName = (scope: IConstruct, base: string): string => `cityops-${stageOf(scope)}-${base}`;

/** The exports the stateless stack imports the stateful stack's buckets by, in the construct's stage. */
export const stageExports = (scope: IConstruct) => {
  const stage = stageOf(scope);
  return {
    discardedBatches: `CityOps-${stage}-DiscardedBatchesArn`,
    readingArchive: `CityOps-${stage}-ReadingArchiveArn`,
    reportBucket: `CityOps-${stage}-ReportBucketArn`,
    mediaBucket: `CityOps-${stage}-MediaBucketArn`,
  };
};

/**
 * Whether the construct's stack is deployed to an AWS China region (partition `aws-cn`:
 * Beijing `cn-north-1`, Ningxia `cn-northwest-1`), where some services are not offered
 * (docs/aws.md, "AWS China"). Known only when the stack names its region.
 */
export const inChina = (scope: IConstruct): boolean => {
  const region = Stack.of(scope).region;
  return !Token.isUnresolved(region) && region.startsWith('cn-');
};

/** The AWS console's address in the construct's partition. */
export const consoleUrl = (scope: IConstruct): string =>
  inChina(scope) ? 'https://console.amazonaws.cn' : 'https://console.aws.amazon.com';
