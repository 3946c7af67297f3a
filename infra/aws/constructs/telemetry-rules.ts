import { RemovalPolicy } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { CfnTopicRule } from 'aws-cdk-lib/aws-iot';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { envelopeRuleSql } from '#shared/adapters/telemetry-envelope';
import { TELEMETRY_ROUTES } from '#infra/routes';

/**
 * One IoT topic rule per telemetry route of the route table: its SQL builds the telemetry
 * envelope (payload base64, topic, client id, broker time) and sends it to the route's
 * queue; a failed action goes to the rule-errors log group. Devices may publish to the
 * rule's Basic Ingest topic (`$aws/rules/<rule>/…`) to skip the messaging charge.
 */
export class TelemetryRules extends Construct {
  readonly errors: LogGroup;
  readonly rules: CfnTopicRule[];

  constructor(scope: Construct, id: string, props: { queues: Record<string, IQueue> }) {
    super(scope, id);
    this.errors = new LogGroup(this, 'rule-errors', { retention: RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY });
    this.rules = TELEMETRY_ROUTES.map((route) => {
      const queue = props.queues[route.queue];
      if (!queue) throw new Error(`no queue "${route.queue}" for rule ${route.ruleName}`);
      const role = new Role(this, `${route.kind}-rule-role`, { assumedBy: new ServicePrincipal('iot.amazonaws.com'), description: `lets ${route.ruleName} send to its queue and log its errors` });
      queue.grantSendMessages(role);
      this.errors.grantWrite(role);
      return new CfnTopicRule(this, `${route.kind}-rule`, {
        ruleName: route.ruleName,
        topicRulePayload: {
          sql: envelopeRuleSql(route.topicFilter),
          awsIotSqlVersion: '2016-03-23',
          ruleDisabled: false,
          description: `${route.topicFilter} → ${route.queue} → ${route.function}`,
          actions: [{ sqs: { queueUrl: queue.queueUrl, roleArn: role.roleArn, useBase64: false } }],
          errorAction: { cloudwatchLogs: { logGroupName: this.errors.logGroupName, roleArn: role.roleArn } },
        },
      });
    });
  }
}
