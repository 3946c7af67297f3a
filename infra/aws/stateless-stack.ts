import { Duration, Fn, Stack, Validations, type CfnElement, type StackProps } from 'aws-cdk-lib';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { KinesisEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { MetricType, StartingPosition, type IEventSourceDlq } from 'aws-cdk-lib/aws-lambda';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Schedule, ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import type { Construct } from 'constructs';
import { FUNCTIONS, ratePeriodMs, SCHEDULES, TELEMETRY_FLOWS } from '#infra/topology';
import { CaseEventPipe } from './constructs/case-event-pipe.ts';
import { CityOpsFunction } from './constructs/cityops-function.ts';
import { OpsApi } from './constructs/ops-api.ts';
import { Operations } from './constructs/operations.ts';
import { DevicePolicies } from './constructs/device-policies.ts';
import { CameraSnapshots } from './constructs/camera-snapshots.ts';
import { TelemetryRules } from './constructs/telemetry-rules.ts';
import { TelemetryArchive } from './constructs/telemetry-archive.ts';
import { deadLetterQueue, type StatefulStack } from './stateful-stack.ts';
import { stageExports } from './stage.ts';

/**
 * An S3 on-failure destination that grants only what Lambda needs to keep a discarded
 * batch there (`s3:PutObject`, and `s3:ListBucket`), where aws-cdk-lib's
 * `S3OnFailureDestination` grants read-write, deletes included.
 */
const discardTo = (bucket: IBucket): IEventSourceDlq => ({
  bind: (_mapping, fn) => {
    fn.addToRolePolicy(new PolicyStatement({ actions: ['s3:PutObject'], resources: [bucket.arnForObjects('*')] }));
    fn.addToRolePolicy(new PolicyStatement({ actions: ['s3:ListBucket'], resources: [bucket.bucketArn] }));
    if (fn.role) {
      Validations.of(fn.role).acknowledge({
        id: `AwsSolutions::AwsSolutions-IAM5[Resource::${stageExports(fn).discardedBatches}/*]`,
        reason:
          'Lambda names a discarded batch’s object itself (aws/lambda/<mapping>/<shard>/<time>-<uuid>): put ' +
          'only, on the discard bucket that holds nothing else.',
      });
    }
    return { destination: bucket.bucketArn };
  },
});

export interface StatelessStackProps extends StackProps {
  stateful: StatefulStack;
  /** Let devices publish to their rule's Basic Ingest topic too (default true). */
  basicIngest?: boolean;
}

/**
 * What holds no state, all from the topology: device thing types and policies, one
 * function per entry with its grants, the topic rules into the telemetry streams, the
 * ingest functions' event source mappings on them (bisect, partial batch responses, the
 * discard bucket), the Firehose streams that archive them, the schedules, the Pipe from
 * the case stream to the event bus, the IAM-authorised ops API, and the dashboard with its alarms.
 */
export class StatelessStack extends Stack {
  readonly functions: Record<string, CityOpsFunction>;

  constructor(scope: Construct, id: string, props: StatelessStackProps) {
    super(scope, id, props);
    const reports = Bucket.fromBucketArn(this, 'reports', Fn.importValue(stageExports(this).reportBucket));
    const media = Bucket.fromBucketArn(this, 'media', Fn.importValue(stageExports(this).mediaBucket));
    const snapshots = new CameraSnapshots(this, 'camera-snapshots', { media });
    new DevicePolicies(this, 'devices', {
      basicIngest: props.basicIngest ?? true,
      snapshotRoleAlias: snapshots.roleAlias,
    });
    this.functions = Object.fromEntries(
      FUNCTIONS.map((spec) => [
        spec.name,
        new CityOpsFunction(this, spec.name, {
          spec,
          tables: props.stateful.tables,
          reports,
          media,
          bus: props.stateful.bus,
        }),
      ]),
    );
    // The archive and reports buckets come by their fixed exports (see stage.ts): deploy after the stateful stack.
    this.addDependency(props.stateful);
    // By its fixed export, as the archive bucket: the grants then name it readably.
    const discarded = Bucket.fromBucketArn(
      this,
      'discarded-batches',
      Fn.importValue(stageExports(this).discardedBatches),
    );
    new TelemetryArchive(this, 'telemetry-archive', { streams: props.stateful.streams });
    new TelemetryRules(this, 'telemetry-rules', { streams: props.stateful.streams });
    const eventSources: Record<string, string> = {};
    for (const flow of TELEMETRY_FLOWS) {
      const fn = this.functions[flow.function]!.fn;
      const source = new KinesisEventSource(props.stateful.streams[flow.stream]!, {
        startingPosition: StartingPosition.TRIM_HORIZON,
        batchSize: flow.batchSize,
        maxBatchingWindow: Duration.seconds(flow.batchWindowSeconds),
        parallelizationFactor: flow.parallelizationFactor,
        bisectBatchOnError: flow.bisectOnError,
        reportBatchItemFailures: true,
        retryAttempts: flow.maxRetryAttempts,
        maxRecordAge: Duration.seconds(flow.maxRecordAgeSeconds),
        onFailure: discardTo(discarded),
        // Counts of events polled, invoked, failed and sent to the discard destination (alarmed).
        metricsConfig: { metrics: [MetricType.EVENT_COUNT] },
      });
      fn.addEventSource(source);
      eventSources[flow.kind] = source.eventSourceMappingId;
    }
    const caseEventPipe = new CaseEventPipe(this, 'case-event-pipe', {
      table: props.stateful.tables.cases,
      enrichment: this.functions['case-events']!.fn,
      bus: props.stateful.bus,
      deadLetters: props.stateful.pipeDeadLetters,
    });
    new OpsApi(this, 'http-api', {
      functions: Object.fromEntries(Object.entries(this.functions).map(([name, f]) => [name, f.fn])),
      operators: props.stateful.operators,
    });
    // A scheduled run that keeps failing is tried twice more within its own period, then kept here.
    const scheduleDeadLetters = deadLetterQueue(this, 'schedules-dlq');
    Validations.of(scheduleDeadLetters).acknowledge({
      id: 'AwsSolutions::AwsSolutions-SQS3',
      reason:
        'It is a dead-letter queue: the schedules’ (their targets’ DeadLetterConfig, which cdk-nag does not follow).',
    });
    for (const schedule of SCHEDULES) {
      const fn = this.functions[schedule.name]!.fn;
      new Schedule(this, `${schedule.name}-schedule`, {
        schedule: ScheduleExpression.expression(schedule.expression),
        target: new LambdaInvoke(fn, {
          retryAttempts: 2,
          maxEventAge: Duration.seconds(Math.max(60, ratePeriodMs(schedule.expression) / 1000)),
          deadLetterQueue: scheduleDeadLetters,
        }),
        description: schedule.description,
      });
      // The schedule's role (one per target function, made by LambdaInvoke at stack level).
      Validations.of(this).acknowledge({
        id: `AwsSolutions::AwsSolutions-IAM5[Resource::<${this.getLogicalId(fn.node.defaultChild as CfnElement)}.Arn>:*]`,
        reason:
          `The ${schedule.name} schedule's role may invoke the ${schedule.name} function only; \`:*\` covers ` +
          'its versions, as LambdaInvoke grants it.',
      });
    }
    new Operations(this, 'operations', {
      functions: Object.fromEntries(Object.entries(this.functions).map(([name, f]) => [name, f.fn])),
      timeouts: Object.fromEntries(FUNCTIONS.map((spec) => [spec.name, spec.timeoutSeconds])),
      deadLetterQueues: { 'case-events': props.stateful.pipeDeadLetters, schedules: scheduleDeadLetters },
      eventSources,
      pipeName: caseEventPipe.pipe.ref,
      path: {
        streams: Object.fromEntries(
          TELEMETRY_FLOWS.map((flow) => [flow.kind, props.stateful.streams[flow.stream]!.streamName]),
        ),
        telemetryTable: props.stateful.tables.telemetry.tableName,
        casesTable: props.stateful.tables.cases.tableName,
        bus: props.stateful.bus.eventBusName,
      },
    });
  }
}
