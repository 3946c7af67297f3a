import { CfnOutput, Duration, Stack } from 'aws-cdk-lib';
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
import { Topic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { telemetryRuleName } from '#shared/domain/iot-names';
import { stageOf } from '../stage.ts';
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
    props: { functions: Record<string, IFunction>; deadLetterQueues: Record<string, IQueue> },
  ) {
    super(scope, id);
    this.alerts = new Topic(this, 'alerts', { displayName: 'CityOps alerts', enforceSSL: true });
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
    const ruleFailures = TELEMETRY_FLOWS.map(
      (flow) =>
        new Metric({
          namespace: 'AWS/IoT',
          metricName: 'Failure',
          dimensionsMap: { RuleName: telemetryRuleName(flow.kind, stageOf(this)), ActionType: 'Kinesis' },
          statistic: 'Sum',
          period: FIVE_MINUTES,
          label: telemetryRuleName(flow.kind, stageOf(this)),
        }),
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
      value: `https://console.aws.amazon.com/cloudwatch/home?region=${Stack.of(this).region}#dashboards/dashboard/CityOps`,
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
      ],
    });

    const alarm = (id: string, metric: IMetric, description: string) => {
      const a = new Alarm(this, id, {
        metric,
        threshold: 0,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
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
    for (const [name, fn] of fnMetrics)
      alarm(`${name}-errors-alarm`, fn.metricErrors({ period: FIVE_MINUTES }), `the ${name} function failed`);
    ruleFailures.forEach((metric, i) => {
      alarm(
        `${TELEMETRY_FLOWS[i]!.kind}-rule-alarm`,
        metric,
        `topic rule ${telemetryRuleName(TELEMETRY_FLOWS[i]!.kind, stageOf(this))} could not put messages on its stream`,
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
        alarmDescription: `${flow.function} is more than 5 minutes behind its stream ${flow.stream} (a record retried until success holds its shard's lane; discarded batches land in the discarded-batches bucket)`,
      });
      lag.addAlarmAction(new SnsAction(this.alerts));
      this.alarms.push(lag);
    }
  }
}
