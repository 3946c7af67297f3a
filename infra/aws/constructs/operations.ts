import { CfnCondition, CfnOutput, CfnParameter, Duration, Fn, Stack, Validations } from 'aws-cdk-lib';
import {
  Alarm,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  MathExpression,
  Metric,
  TreatMissingData,
  type IMetric,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { CfnSubscription, Topic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { telemetryRuleName } from '#shared/domain/iot-names';
import { consoleUrl, stageOf } from '../stage.ts';
import { DEVICE_KINDS } from '#shared/domain/device-kinds';
import { CASE_CATEGORIES } from '#shared/domain/responsibility';
import { TELEMETRY_FLOWS } from '#infra/topology';

const FIVE_MINUTES = Duration.minutes(5);

/**
 * What the platform team watches in the console: a dashboard of telemetry by kind, rejects,
 * cases opened by category, working and overdue cases by lead unit (from the SLA check),
 * dead-letter depth, function errors and throttles and topic-rule failures; and alarms on
 * the signals that need a person, sent to an SNS topic (subscribe the on-call address).
 */
export class Operations extends Construct {
  readonly alerts: Topic;
  readonly alarms: Alarm[] = [];

  constructor(
    scope: Construct,
    id: string,
    props: {
      functions: Record<string, IFunction>;
      /** Each function's timeout, seconds. */
      timeouts: Record<string, number>;
      deadLetterQueues: Record<string, IQueue>;
      /** Each ingest function's event source mapping (its UUID), by kind. */
      eventSources: Record<string, string>;
      /** The case-event Pipe's name. */
      pipeName: string;
      /** The path a reading takes, for the dashboard: each kind's stream, the telemetry and cases tables, the bus. */
      path: { streams: Record<string, string>; telemetryTable: string; casesTable: string; bus: string };
    },
  ) {
    super(scope, id);
    this.alerts = new Topic(this, 'alerts', { displayName: 'CityOps alerts', enforceSSL: true });
    // Who the alarms reach: an address given at deploy time (`--parameters <stack>:AlertEmail=…`), confirmed by mail.
    const email = new CfnParameter(Stack.of(this), 'AlertEmail', {
      type: 'String',
      default: '',
      description: 'where the alarms are mailed (the address confirms the subscription); empty: no mail',
    });
    const hasEmail = new CfnCondition(this, 'has-alert-email', {
      expression: Fn.conditionNot(Fn.conditionEquals(email.valueAsString, '')),
    });
    const subscription = new CfnSubscription(this, 'alert-email', {
      topicArn: this.alerts.topicArn,
      protocol: 'email',
      endpoint: email.valueAsString,
    });
    subscription.cfnOptions.condition = hasEmail;
    Validations.of(subscription).acknowledge({
      id: 'Serverless::Serverless-SNSRedrivePolicy',
      reason:
        'An alarm mail SNS cannot deliver would wait unread in a dead-letter queue; the alarm itself stays ' +
        'in ALARM in CloudWatch and on the dashboard.',
    });
    // The functions' figures (embedded metric format, Powertools adds the `service` dimension).
    const emf = (metricName: string, dimension: 'kind' | 'category', value: string, period = FIVE_MINUTES) =>
      new Metric({
        namespace: 'CityOps',
        metricName,
        dimensionsMap: { service: 'cityops', [dimension]: value },
        statistic: 'Sum',
        period,
        label: value,
      });
    const search = (query: string, label: string, statistic = 'Sum') =>
      new MathExpression({ expression: `SEARCH('${query}', '${statistic}', 300)`, label, period: FIVE_MINUTES });
    // Unit ids are data (street offices are the district's own), so the per-unit figures are found by search.
    const byUnit = (metricName: string) =>
      search(`{CityOps,service,unit} MetricName="${metricName}"`, metricName, 'Maximum');
    // An AWS service's metric, summed over five minutes (a label names it on the dashboard).
    const aws = (namespace: string, metricName: string, dimensionsMap: Record<string, string>, label?: string) =>
      new Metric({ namespace, metricName, dimensionsMap, statistic: 'Sum', period: FIVE_MINUTES, label });
    const ruleName = (flow: (typeof TELEMETRY_FLOWS)[number]) => telemetryRuleName(flow.kind, stageOf(this));
    const ruleFailures = TELEMETRY_FLOWS.map((flow) =>
      aws('AWS/IoT', 'Failure', { RuleName: ruleName(flow), ActionType: 'Kinesis' }, ruleName(flow)),
    );
    const dlqDepth = Object.entries(props.deadLetterQueues).map(([name, queue]) => ({
      name,
      metric: queue.metricApproximateNumberOfMessagesVisible({
        period: FIVE_MINUTES,
        statistic: 'Maximum',
        label: name,
      }),
    }));
    const fnMetrics = Object.entries(props.functions);

    new CfnOutput(this, 'alerts-topic', {
      value: this.alerts.topicArn,
      description: 'subscribe the on-call address: aws sns subscribe --protocol email ...',
    }).overrideLogicalId('AlertsTopicArn');
    new CfnOutput(this, 'dashboard-url', {
      value: `${consoleUrl(this)}/cloudwatch/home?region=${Stack.of(this).region}#dashboards/dashboard/CityOps-${stageOf(this)}`,
      description: 'the CityOps dashboard',
    }).overrideLogicalId('DashboardUrl');
    new Dashboard(this, 'dashboard', {
      dashboardName: `CityOps-${stageOf(this)}`,
      widgets: [
        [
          new GraphWidget({
            title: 'Telemetry stored, by kind',
            left: DEVICE_KINDS.map((k) => emf('TelemetryStored', 'kind', k)),
            width: 12,
          }),
          new GraphWidget({
            title: 'Telemetry rejected, by kind and reason',
            left: [search('{CityOps,code,kind,service} MetricName="TelemetryRejected"', 'rejected')],
            width: 12,
          }),
        ],
        [
          new GraphWidget({
            title: 'Dead-letter queues (messages waiting)',
            left: dlqDepth.map((d) => d.metric),
            width: 8,
          }),
          new GraphWidget({
            title: 'Function errors',
            left: fnMetrics.map(([name, fn]) => fn.metricErrors({ period: FIVE_MINUTES, label: name })),
            width: 8,
          }),
          new GraphWidget({
            title: 'Function throttles',
            left: fnMetrics.map(([name, fn]) => fn.metricThrottles({ period: FIVE_MINUTES, label: name })),
            width: 8,
          }),
        ],
        [
          new GraphWidget({
            title: 'Cases opened, by category (per hour)',
            left: CASE_CATEGORIES.map((c) => emf('CasesOpened', 'category', c, Duration.hours(1))),
            stacked: true,
            width: 8,
          }),
          new GraphWidget({ title: 'Working cases, by lead unit', left: [byUnit('WorkingCases')], width: 8 }),
          new GraphWidget({ title: 'Overdue cases, by lead unit', left: [byUnit('OverdueCases')], width: 8 }),
        ],
        [new GraphWidget({ title: 'Topic rule failures', left: ruleFailures, width: 24 })],
        // The ingest path end to end: IoT → stream → function → table → Pipe → bus.
        [
          new GraphWidget({
            title: '1 · Topic rules: messages put on the streams',
            left: TELEMETRY_FLOWS.map((flow) =>
              aws('AWS/IoT', 'Success', { RuleName: ruleName(flow), ActionType: 'Kinesis' }, flow.kind),
            ),
            width: 4,
          }),
          new GraphWidget({
            title: '2 · Streams: records in',
            left: Object.entries(props.path.streams).map(([kind, stream]) =>
              aws('AWS/Kinesis', 'IncomingRecords', { StreamName: stream }, kind),
            ),
            width: 4,
          }),
          new GraphWidget({
            title: '3 · Ingest functions: batches',
            left: TELEMETRY_FLOWS.map((flow) =>
              props.functions[flow.function]!.metricInvocations({ period: FIVE_MINUTES, label: flow.kind }),
            ),
            width: 4,
          }),
          new GraphWidget({
            title: '4 · Tables: write units',
            left: [
              aws('AWS/DynamoDB', 'ConsumedWriteCapacityUnits', { TableName: props.path.telemetryTable }, 'telemetry'),
              aws('AWS/DynamoDB', 'ConsumedWriteCapacityUnits', { TableName: props.path.casesTable }, 'cases'),
            ],
            width: 4,
          }),
          new GraphWidget({
            title: '5 · Case-event Pipe: runs and failures',
            left: [
              aws('AWS/EventBridge/Pipes', 'Invocations', { PipeName: props.pipeName }, 'runs'),
              aws('AWS/EventBridge/Pipes', 'ExecutionFailed', { PipeName: props.pipeName }, 'failed'),
            ],
            width: 4,
          }),
          new GraphWidget({
            title: '6 · Bus: deliveries to subscribers',
            left: [aws('AWS/Events', 'InvocationAttempts', { EventBusName: props.path.bus }, 'attempts')],
            width: 4,
          }),
        ],
      ],
    });

    const alarm = (id: string, metric: IMetric, description: string, threshold = 0, evaluationPeriods = 1) => {
      const a = new Alarm(this, id, {
        metric,
        threshold,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods,
        treatMissingData: TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      });
      a.addAlarmAction(new SnsAction(this.alerts));
      this.alarms.push(a);
    };
    for (const { name, metric } of dlqDepth)
      alarm(
        `${name}-dlq-alarm`,
        metric,
        `messages are waiting in the ${name} dead-letter queue: look at them and redrive`,
      );
    for (const [name, fn] of fnMetrics) {
      alarm(`${name}-errors-alarm`, fn.metricErrors({ period: FIVE_MINUTES }), `the ${name} function failed`);
      alarm(
        `${name}-throttles-alarm`,
        fn.metricThrottles({ period: FIVE_MINUTES }),
        `the ${name} function was throttled: the account's or its concurrency limit`,
      );
      const timeoutMs = (props.timeouts[name] ?? 0) * 1000;
      alarm(
        `${name}-duration-alarm`,
        fn.metricDuration({ period: FIVE_MINUTES, statistic: 'Maximum' }),
        `the ${name} function ran longer than 80 % of its ${timeoutMs / 1000} s timeout`,
        0.8 * timeoutMs,
      );
    }
    for (const [kind, uuid] of Object.entries(props.eventSources))
      alarm(
        `${kind}-discarded-alarm`,
        aws('AWS/Lambda', 'OnFailureDestinationDeliveredEventCount', { EventSourceMappingUUID: uuid }),
        `the ${kind} event source gave up on records and put them in the discarded-batches bucket: redrive them`,
      );
    alarm(
      'case-event-pipe-alarm',
      aws('AWS/EventBridge/Pipes', 'ExecutionFailed', { PipeName: props.pipeName }),
      'the case-event Pipe failed to deliver a batch (it retries, then keeps it in its dead-letter queue)',
    );
    alarm(
      'schedule-errors-alarm',
      aws('AWS/Scheduler', 'TargetErrorCount', { ScheduleGroup: 'default' }),
      'scheduled runs failed more than 3 times in 5 minutes (each is retried twice within its period, then ' +
        'kept in the schedules dead-letter queue)',
      3,
    );
    alarm(
      'iot-authorization-alarm',
      new MathExpression({
        expression: 'FILL(connect, 0) + FILL(publish, 0)',
        usingMetrics: {
          connect: aws('AWS/IoT', 'Connect.AuthError', { Protocol: 'MQTT' }),
          publish: aws('AWS/IoT', 'PublishIn.AuthError', { Protocol: 'MQTT' }),
        },
        period: FIVE_MINUTES,
        label: 'refused connects and publishes',
      }),
      'more than 10 connects or publishes refused by the device policies in 5 minutes: a device ' +
        'misconfigured, or someone trying to act as a device',
      10,
    );
    ruleFailures.forEach((metric, i) => {
      alarm(
        `${TELEMETRY_FLOWS[i]!.kind}-rule-alarm`,
        metric,
        `topic rule ${ruleName(TELEMETRY_FLOWS[i]!)} could not put messages on its stream`,
      );
    });
    for (const flow of TELEMETRY_FLOWS) {
      const fn = props.functions[flow.function];
      if (!fn) continue;
      // The stream's oldest record its function has not taken, in milliseconds: a stuck or slow shard.
      const iteratorAge = fn.metric('IteratorAge', { period: FIVE_MINUTES, statistic: 'Maximum' });
      const lag = new Alarm(this, `${flow.kind}-iterator-age-alarm`, {
        metric: iteratorAge,
        threshold: 5 * 60_000,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 3,
        treatMissingData: TreatMissingData.NOT_BREACHING,
        alarmDescription:
          `${flow.function} is more than 5 minutes behind its stream ${flow.stream} (a record retried until success ` +
          "holds its shard's lane; discarded batches land in the discarded-batches bucket)",
      });
      lag.addAlarmAction(new SnsAction(this.alerts));
      this.alarms.push(lag);
    }
  }
}
