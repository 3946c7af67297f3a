import { Duration, Fn, Stack, Validations, type CfnElement, type StackProps } from 'aws-cdk-lib';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Schedule, ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import type { Construct } from 'constructs';
import { FUNCTIONS, SCHEDULES, TELEMETRY_ROUTES } from '#infra/routes';
import { CaseEventPipe } from './constructs/case-event-pipe.ts';
import { CityOpsFunction } from './constructs/cityops-function.ts';
import { OpsApi } from './constructs/ops-api.ts';
import { REPORT_BUCKET_EXPORT } from './constructs/report-bucket.ts';
import { Operations } from './constructs/operations.ts';
import { DevicePolicies } from './constructs/device-policies.ts';
import { TelemetryRules } from './constructs/telemetry-rules.ts';
import { TelemetryDelivery } from './constructs/telemetry-delivery.ts';
import type { StatefulStack } from './stateful-stack.ts';

export interface StatelessStackProps extends StackProps {
  stateful: StatefulStack;
  /** Let devices publish to their rule's Basic Ingest topic too (default true). */
  basicIngest?: boolean;
}

/**
 * What holds no state, all from the route table: device thing types and policies, one
 * function per entry with its grants, the telemetry delivery streams (processed by the
 * ingest functions, delivering to the archive bucket), the topic rules into them, the retry
 * queues' event sources, the schedules, and the Pipe from the case stream to the
 * event bus, the IAM-authorised ops API, and the dashboard with its alarms.
 */
export class StatelessStack extends Stack {
  readonly functions: Record<string, CityOpsFunction>;

  constructor(scope: Construct, id: string, props: StatelessStackProps) {
    super(scope, id, props);
    new DevicePolicies(this, 'devices', { basicIngest: props.basicIngest ?? true });
    const reports = Bucket.fromBucketArn(this, 'reports', Fn.importValue(REPORT_BUCKET_EXPORT));
    this.functions = Object.fromEntries(FUNCTIONS.map((spec) => [spec.name, new CityOpsFunction(this, spec.name, { spec, tables: props.stateful.tables, reports, bus: props.stateful.bus })]));
    // The archive and reports buckets come by their fixed exports (see READING_ARCHIVE_EXPORT): deploy after the stateful stack.
    this.addDependency(props.stateful);
    const delivery = new TelemetryDelivery(this, 'telemetry-delivery', {
      functions: Object.fromEntries(Object.entries(this.functions).map(([name, f]) => [name, f.fn])),
    });
    new TelemetryRules(this, 'telemetry-rules', { streams: delivery.streams });
    for (const route of TELEMETRY_ROUTES) {
      const fn = this.functions[route.function]!.fn;
      const retryQueue = props.stateful.queues[route.retryQueue]!;
      // What could not be stored yet goes on the retry queue, and comes back through its event source.
      retryQueue.grant(fn, 'sqs:SendMessage'); // SendMessageBatch is authorised as SendMessage
      fn.addEnvironment('RETRY_QUEUE_URL', retryQueue.queueUrl);
      fn.addEventSource(
        new SqsEventSource(retryQueue, {
          batchSize: route.batchSize,
          maxBatchingWindow: Duration.seconds(route.batchWindowSeconds),
          maxConcurrency: route.maxConcurrency,
          reportBatchItemFailures: true,
        }),
      );
      // On the function: its event source mapping is its child.
      Validations.of(fn).acknowledge({
        id: 'Serverless::Serverless-LambdaEventSourceMappingDestination',
        reason: 'An SQS event source has no on-failure destination: failed messages go to the retry queue’s dead-letter queue after the route’s receive limit.',
      });
    }
    new CaseEventPipe(this, 'case-event-pipe', {
      table: props.stateful.tables.cases,
      enrichment: this.functions['case-events']!.fn,
      bus: props.stateful.bus,
      deadLetters: props.stateful.pipeDeadLetters,
    });
    new OpsApi(this, 'http-api', { functions: Object.fromEntries(Object.entries(this.functions).map(([name, f]) => [name, f.fn])), operators: props.stateful.operators });
    new Operations(this, 'operations', {
      functions: Object.fromEntries(Object.entries(this.functions).map(([name, f]) => [name, f.fn])),
      deadLetterQueues: { ...props.stateful.deadLetterQueues, 'case-events': props.stateful.pipeDeadLetters },
    });
    for (const schedule of SCHEDULES) {
      const fn = this.functions[schedule.function]!.fn;
      new Schedule(this, `${schedule.name}-schedule`, {
        schedule: ScheduleExpression.expression(schedule.expression),
        target: new LambdaInvoke(fn, {}),
        description: schedule.description,
      });
      // The schedule's role (one per target function, made by LambdaInvoke at stack level).
      Validations.of(this).acknowledge({
        id: `AwsSolutions::AwsSolutions-IAM5[Resource::<${this.getLogicalId(fn.node.defaultChild as CfnElement)}.Arn>:*]`,
        reason: `The ${schedule.name} schedule's role may invoke the ${schedule.function} function only; \`:*\` covers its versions, as LambdaInvoke grants it.`,
      });
    }
  }
}
