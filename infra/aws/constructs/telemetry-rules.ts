import { RemovalPolicy } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { CfnTopicRule } from 'aws-cdk-lib/aws-iot';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IStream } from 'aws-cdk-lib/aws-kinesis';
import { Construct } from 'constructs';
import { envelopeRuleSql } from '#shared/adapters/telemetry-envelope';
import { TELEMETRY_ROUTES } from '#infra/routes';

/**
 * One IoT topic rule per telemetry route of the route table: its SQL builds the telemetry
 * envelope (payload base64, topic, client id, broker time) and puts it, one record a
 * message, on the route's Kinesis stream with the client id (the thing name) as partition
 * key, so a device's messages stay in order; a failed action goes to the rule-errors log group. Devices may publish to the
 * rule's Basic Ingest topic (`$aws/rules/<rule>/…`) to skip the messaging charge.
 */
export class TelemetryRules extends Construct {
  readonly errors: LogGroup;
  readonly rules: CfnTopicRule[];

  constructor(scope: Construct, id: string, props: { streams: Record<string, IStream> }) {
    super(scope, id);
    this.errors = new LogGroup(this, 'rule-errors', { retention: RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY });
    this.rules = TELEMETRY_ROUTES.map((route) => {
      const stream = props.streams[route.stream];
      if (!stream) throw new Error(`no stream "${route.stream}" for rule ${route.ruleName}`);
      const role = new Role(this, `${route.kind}-rule-role`, { assumedBy: new ServicePrincipal('iot.amazonaws.com'), description: `lets ${route.ruleName} put on its stream and log its errors` });
      // Exactly what the Kinesis rule action calls (and the stream's AWS-managed key, which encrypts it).
      stream.grant(role, 'kinesis:PutRecord');
      this.errors.grantWrite(role);
      return new CfnTopicRule(this, `${route.kind}-rule`, {
        ruleName: route.ruleName,
        topicRulePayload: {
          sql: envelopeRuleSql(route.topicFilter),
          awsIotSqlVersion: '2016-03-23',
          ruleDisabled: false,
          description: `${route.topicFilter} → ${route.stream} → ${route.function}, and → ${route.archive}`,
          actions: [{ kinesis: { streamName: stream.streamName, partitionKey: '${clientid()}', roleArn: role.roleArn } }],
          errorAction: { cloudwatchLogs: { logGroupName: this.errors.logGroupName, roleArn: role.roleArn } },
        },
      });
    });
  }
}
