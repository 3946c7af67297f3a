import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { envelopeRuleSql } from '#shared/adapters/telemetry-envelope';
import { TELEMETRY_ROUTES } from '#infra/routes';
import { StatefulStack } from '#infra/aws/stateful-stack';
import { StatelessStack } from '#infra/aws/stateless-stack';

const app = new App();
const stateful = new StatefulStack(app, 'Stateful');
const template = Template.fromStack(new StatelessStack(app, 'Stateless', { stateful }));
const policies = template.findResources('AWS::IoT::Policy');

/** A policy document with its CDK joins flattened to text, `{Aws}` standing for pseudo-parameters. */
const flat = (value: unknown): unknown =>
  Array.isArray(value) ? value.map(flat) : value && typeof value === 'object' ? ('Fn::Join' in value ? (value['Fn::Join'] as [string, unknown[]])[1].map((p) => (typeof p === 'string' ? p : '{Aws}')).join('') : Object.fromEntries(Object.entries(value).map(([k, v]) => [k, flat(v)]))) : value;

describe('stateless stack: devices and topic rules', () => {
  it('gives each kind a thing type and a policy: connect only as itself, publish only to its own topic, no wildcards', () => {
    template.resourceCountIs('AWS::IoT::ThingType', 3);
    expect(Object.keys(policies)).toHaveLength(3);
    const bins = Object.values(policies).find((p) => p.Properties.PolicyName === 'cityops-bins-device')!;
    const doc = flat(bins.Properties.PolicyDocument) as { Statement: { Action: string; Resource: string | string[]; Condition?: unknown }[] };
    expect(doc.Statement).toEqual([
      {
        Effect: 'Allow',
        Action: 'iot:Connect',
        Resource: 'arn:{Aws}:iot:{Aws}:{Aws}:client/${iot:Connection.Thing.ThingName}',
        Condition: { Bool: { 'iot:Connection.Thing.IsAttached': 'true' }, StringEquals: { 'iot:Connection.Thing.ThingTypeName': 'cityops-bins' } },
      },
      {
        Effect: 'Allow',
        Action: 'iot:Publish',
        Resource: [
          'arn:{Aws}:iot:{Aws}:{Aws}:topic/dt/cityops/bins/${iot:Connection.Thing.ThingName}/fill',
          'arn:{Aws}:iot:{Aws}:{Aws}:topic/$aws/rules/cityops_bins_telemetry/dt/cityops/bins/${iot:Connection.Thing.ThingName}/fill',
        ],
      },
    ]);
    const text = JSON.stringify(Object.values(policies).map((p) => flat(p.Properties.PolicyDocument)));
    expect(text).not.toMatch(/[#*+]/);
    expect(text).not.toContain('iot:Subscribe');
  });

  it('has one topic rule per route of the route table, with the envelope SQL, a queue action and an error action', () => {
    template.resourceCountIs('AWS::IoT::TopicRule', TELEMETRY_ROUTES.length);
    for (const route of TELEMETRY_ROUTES) {
      template.hasResourceProperties('AWS::IoT::TopicRule', {
        RuleName: route.ruleName,
        TopicRulePayload: Match.objectLike({
          Sql: envelopeRuleSql(route.topicFilter),
          AwsIotSqlVersion: '2016-03-23',
          Actions: [{ Sqs: Match.objectLike({ QueueUrl: Match.anyValue(), RoleArn: Match.anyValue() }) }],
          ErrorAction: { CloudwatchLogs: Match.objectLike({ LogGroupName: Match.anyValue() }) },
        }),
      });
    }
  });

  it('lets each rule’s role send to its queue and write its errors, nothing more', () => {
    const roles = template.findResources('AWS::IAM::Role');
    expect(Object.keys(roles)).toHaveLength(TELEMETRY_ROUTES.length);
    for (const role of Object.values(roles)) expect(role.Properties.AssumeRolePolicyDocument.Statement[0].Principal).toEqual({ Service: 'iot.amazonaws.com' });
    const actions = Object.values(template.findResources('AWS::IAM::Policy')).flatMap((p) => p.Properties.PolicyDocument.Statement.flatMap((s: { Action: string | string[] }) => [s.Action].flat()));
    expect(new Set(actions)).toEqual(new Set(['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'logs:CreateLogStream', 'logs:PutLogEvents']));
  });
});
