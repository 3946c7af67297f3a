import { RemovalPolicy } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { CfnTopicRule } from 'aws-cdk-lib/aws-iot';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IStream } from 'aws-cdk-lib/aws-kinesis';
import { Construct } from 'constructs';
import { telemetryRuleName } from '#shared/domain/iot-names';
import { stageOf } from '../stage.ts';
import { TELEMETRY_FLOWS } from '#infra/topology';

/**
 * One IoT topic rule per telemetry flow of the flow table: its SQL builds the telemetry
 * envelope (payload base64, topic, client id, broker time) and puts it, one record a
 * message, on the flow's Kinesis stream with the client id (the thing name) as partition
 * key, so a device's messages stay in order; a failed action goes to the rule-errors log group. Devices may publish to the
 * rule's Basic Ingest topic (`$aws/rules/<rule>/…`) to skip the messaging charge.
 */
export class TelemetryRules extends Construct {
  readonly errors: LogGroup;
  readonly rules: CfnTopicRule[];

  constructor(scope: Construct, id: string, props: { streams: Record<string, IStream> }) {
    super(scope, id);
    this.errors = new LogGroup(this, 'rule-errors', {
      retention: RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.rules = TELEMETRY_FLOWS.map((flow) => {
      const stream = props.streams[flow.stream];
      if (!stream)
        throw new Error(`no stream "${flow.stream}" for rule ${telemetryRuleName(flow.kind, stageOf(this))}`);
      const role = new Role(this, `${flow.kind}-rule-role`, {
        assumedBy: new ServicePrincipal('iot.amazonaws.com'),
        description: `lets ${telemetryRuleName(flow.kind, stageOf(this))} put on its stream and log its errors`,
      });
      // Exactly what the Kinesis rule action calls (and the stream's AWS-managed key, which encrypts it).
      stream.grant(role, 'kinesis:PutRecord');
      this.errors.grantWrite(role);
      return new CfnTopicRule(this, `${flow.kind}-rule`, {
        ruleName: telemetryRuleName(flow.kind, stageOf(this)),
        topicRulePayload: {
          sql: envelopeRuleSql(flow.topicFilter),
          awsIotSqlVersion: '2016-03-23',
          ruleDisabled: false,
          description: `${flow.topicFilter} → ${flow.stream} → ${flow.function}, and → ${flow.archive}`,
          actions: [
            { kinesis: { streamName: stream.streamName, partitionKey: '${clientid()}', roleArn: role.roleArn } },
          ],
          errorAction: { cloudwatchLogs: { logGroupName: this.errors.logGroupName, roleArn: role.roleArn } },
        },
      });
    });
  }
}

/** The AWS IoT rule SQL that builds a telemetry envelope (`shared/events/telemetry-envelope.ts`) from a publish. */
export const envelopeRuleSql = (topicFilter: string): string =>
  `SELECT encode(*, 'base64') AS payload, topic() AS topic, clientid() AS clientId, timestamp() AS receivedAt FROM '${topicFilter}'`;
