import { CfnOutput, Duration, RemovalPolicy, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import { AttributeType, ProjectionType, Billing, StreamViewType, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Stream, StreamEncryption, StreamMode } from 'aws-cdk-lib/aws-kinesis';
import type { Bucket } from 'aws-cdk-lib/aws-s3';
import { CASE_EVENT_SOURCE } from '#shared/events/case-events';
import type { Construct } from 'constructs';
import { TABLES, type TableKey, type TableSpec } from '#shared/adapters/dynamodb/tables';
import { TELEMETRY_FLOWS } from '#infra/topology';
import { privateBucket } from './constructs/private-bucket.ts';
import { TelemetryArchiveBucket } from './constructs/telemetry-archive-bucket.ts';
import { MediaBucket } from './constructs/media-bucket.ts';
import { ReportBucket } from './constructs/report-bucket.ts';
import { OperatorSignIn } from './constructs/operator-sign-in.ts';
import { inChina, stageExports, stageName } from './stage.ts';

/**
 * A dead-letter queue: encrypted, TLS only, keeping what failed 14 days for a person to
 * look at (its depth alarms) and redrive. It has no queue behind it.
 */
export function deadLetterQueue(scope: Construct, id: string): Queue {
  const queue = new Queue(scope, id, {
    encryption: QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  });
  Validations.of(queue).acknowledge({
    id: 'Serverless::Serverless-SQSRedrivePolicy',
    reason:
      'It is a dead-letter queue: messages wait 14 days for a person (alarmed on depth) to inspect and ' +
      'redrive them; a further redrive would only hide them.',
  });
  return queue;
}

export interface StatefulStackProps extends StackProps {
  /** Refuse table deletion (default true: a city's records outlive a stack). */
  deletionProtection?: boolean;
  /** The operators' hosted sign-in domain prefix (default `cityops-<account>`). */
  signInDomainPrefix?: string;
}

/**
 * What keeps state: the tables (from the same definitions the local twin creates), a
 * Kinesis data stream per telemetry flow of the flow table, the bucket that keeps the
 * batches their event sources discard, the reading archive bucket, the reports bucket, the
 * event bus, and the operators' user pool.
 */
export class StatefulStack extends Stack {
  readonly tables: Record<TableKey, TableV2>;
  /** Each telemetry flow's stream, by stream name. */
  readonly streams: Record<string, Stream>;
  /** Where the ingest functions' event sources keep a batch they gave up on, whole (the S3 on-failure destination). */
  readonly discarded: Bucket;
  /** Where downstream systems hear of every case change (kept a year for replay) and every report published. */
  readonly bus: EventBus;
  /** Case-stream batches the Pipe could not deliver. */
  readonly pipeDeadLetters: Queue;
  /** Every message taken: a bucket the archive's Firehose streams (stateless stack) write to. */
  readonly archive: TelemetryArchiveBucket;
  /** The monthly reports. */
  readonly reports: ReportBucket;
  /** Photos and videos of reports. */
  readonly media: MediaBucket;
  /** The ops page's operators (none in AWS China, where Cognito user pools are not offered). */
  readonly operators?: OperatorSignIn;

  constructor(scope: Construct, id: string, props: StatefulStackProps = {}) {
    super(scope, id, props);
    const deletionProtection = props.deletionProtection ?? true;

    this.tables = Object.fromEntries(
      (Object.entries(TABLES) as [TableKey, TableSpec][]).map(([key, spec]) => {
        const table = new TableV2(this, `${key}-table`, {
          partitionKey: { name: spec.partitionKey, type: AttributeType.STRING },
          sortKey: spec.sortKey ? { name: spec.sortKey, type: AttributeType.STRING } : undefined,
          billing: Billing.onDemand(),
          pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
          timeToLiveAttribute: spec.ttlAttribute,
          dynamoStream: spec.stream ? StreamViewType.NEW_AND_OLD_IMAGES : undefined,
          deletionProtection,
          removalPolicy: deletionProtection ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
          globalSecondaryIndexes: spec.indexes?.map((index) => ({
            indexName: index.name,
            partitionKey: { name: index.partitionKey, type: AttributeType.STRING },
            sortKey: index.sortKey
              ? { name: index.sortKey, type: index.sortKeyType === 'N' ? AttributeType.NUMBER : AttributeType.STRING }
              : undefined,
            ...(index.keysOnly ? { projectionType: ProjectionType.KEYS_ONLY } : {}),
          })),
        });
        new CfnOutput(this, `${key}-table-name`, { value: table.tableName, description: `the ${key} table` });
        return [key, table];
      }),
    ) as Record<TableKey, TableV2>;

    this.streams = Object.fromEntries(
      TELEMETRY_FLOWS.map((flow) => {
        const stream = new Stream(this, `${flow.stream}-stream`, {
          streamName: stageName(this, flow.stream),
          ...(flow.capacity.mode === 'on-demand'
            ? { streamMode: StreamMode.ON_DEMAND }
            : { streamMode: StreamMode.PROVISIONED, shardCount: flow.capacity.shards }),
          retentionPeriod: Duration.hours(flow.retentionHours),
          encryption: StreamEncryption.MANAGED,
          removalPolicy: RemovalPolicy.DESTROY,
        });
        return [flow.stream, stream];
      }),
    );
    this.discarded = privateBucket(this, 'discarded-batches', {
      retain: deletionProtection,
      writtenBy: 'the ingest functions’ event source mappings (their S3 on-failure destination)',
      versioned: true,
    });
    new CfnOutput(this, 'discarded-batches-bucket', {
      value: this.discarded.bucketName,
      description: 'stream batches the ingest functions gave up on, whole: see the README for the redrive',
    });
    new CfnOutput(this, 'discarded-batches-arn', {
      value: this.discarded.bucketArn,
      exportName: stageExports(this).discardedBatches,
      description: 'the discard bucket, for the ingest functions’ event sources',
    });

    this.archive = new TelemetryArchiveBucket(this, 'reading-archive', { retain: deletionProtection });
    this.reports = new ReportBucket(this, 'reports', { retain: deletionProtection });
    this.media = new MediaBucket(this, 'media', { retain: deletionProtection });
    if (!inChina(this))
      this.operators = new OperatorSignIn(this, 'operator-sign-in', {
        retain: deletionProtection,
        domainPrefix: props.signInDomainPrefix,
      });

    this.bus = new EventBus(this, 'case-events', {
      eventBusName: stageName(this, 'cases'),
      description: 'CityOps events: case changes (source cityops.cases) and report publications (cityops.reports)',
    });
    this.bus.archive('case-events-archive', {
      eventPattern: { source: [CASE_EVENT_SOURCE] },
      retention: Duration.days(365),
      description: 'every case event, for replay',
    });
    this.pipeDeadLetters = deadLetterQueue(this, 'case-events-dlq');
    Validations.of(this.pipeDeadLetters).acknowledge({
      id: 'AwsSolutions::AwsSolutions-SQS3',
      reason: 'It is a dead-letter queue: the case-event Pipe’s (its DeadLetterConfig, which cdk-nag does not follow).',
    });
    new CfnOutput(this, 'case-event-bus', {
      value: this.bus.eventBusName,
      description: 'subscribe downstream systems here',
    });
  }
}
