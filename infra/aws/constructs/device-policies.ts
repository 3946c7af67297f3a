import { Aws } from 'aws-cdk-lib';
import { CfnPolicy, CfnThingType } from 'aws-cdk-lib/aws-iot';
import { Construct } from 'constructs';
import { devicePolicyName, telemetryRuleName, thingTypeName } from '#shared/domain/iot-names';
import { DEVICE_KINDS, MESSAGE_TYPE, type DeviceKind } from '#shared/domain/device-kinds';
import { TOPIC_PREFIX } from '#shared/domain/topics';
import { stageOf } from '../stage.ts';

const THING = '${iot:Connection.Thing.ThingName}';

/** The IoT policy document of a device kind: what the local broker enforces, stated for AWS IoT Core. */
export function devicePolicyDocument(
  kind: DeviceKind,
  options: { basicIngest: boolean; stage: string; snapshotRoleAlias?: string },
) {
  const arn = (resource: string) => `arn:${Aws.PARTITION}:iot:${Aws.REGION}:${Aws.ACCOUNT_ID}:${resource}`;
  const topic = `${TOPIC_PREFIX}/${kind}/${THING}/${MESSAGE_TYPE[kind]}`;
  const rule = telemetryRuleName(kind, options.stage);
  return {
    Version: '2012-10-17',
    Statement: [
      {
        // Connect only as itself: the client id is the thing name, the certificate attached to that thing, of this kind.
        Effect: 'Allow',
        Action: 'iot:Connect',
        Resource: arn(`client/${THING}`),
        Condition: {
          Bool: { 'iot:Connection.Thing.IsAttached': 'true' },
          StringEquals: { 'iot:Connection.Thing.ThingTypeName': thingTypeName(kind, options.stage) },
        },
      },
      {
        // Publish only to its own telemetry topic (and, with Basic Ingest, straight to its rule). No wildcards, no subscriptions.
        Effect: 'Allow',
        Action: 'iot:Publish',
        Resource: [arn(`topic/${topic}`), ...(options.basicIngest ? [arn(`topic/$aws/rules/${rule}/${topic}`)] : [])],
      },
      ...(kind === 'cameras' && options.snapshotRoleAlias
        ? [
            {
              // Credentials for its snapshots: the role alias lets it put objects in its own folder only.
              Effect: 'Allow',
              Action: 'iot:AssumeRoleWithCertificate',
              Resource: arn(`rolealias/${options.snapshotRoleAlias}`),
            },
          ]
        : []),
    ],
  };
}

/** A thing type and a least-privilege IoT policy for each device kind. */
export class DevicePolicies extends Construct {
  constructor(scope: Construct, id: string, props: { basicIngest: boolean; snapshotRoleAlias?: string }) {
    super(scope, id);
    const stage = stageOf(this);
    for (const kind of DEVICE_KINDS) {
      new CfnThingType(this, `${kind}-type`, {
        thingTypeName: thingTypeName(kind, stage),
        thingTypeProperties: { thingTypeDescription: `CityOps ${kind}`, searchableAttributes: ['site', 'district'] },
      });
      new CfnPolicy(this, `${kind}-policy`, {
        policyName: devicePolicyName(kind, stage),
        policyDocument: devicePolicyDocument(kind, { ...props, stage }),
      });
    }
  }
}
