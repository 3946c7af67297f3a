import { Duration, Validations } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { CfnRoleAlias } from 'aws-cdk-lib/aws-iot';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { SNAPSHOT_PREFIX } from '#shared/domain/media';
import { stageExports, stageName } from '../stage.ts';

/** How long a camera's credentials for its snapshots last. */
const CREDENTIAL_SECONDS = 3600;

/**
 * Where cameras put their snapshots: the media bucket's `snapshots/<thing>/`, each camera
 * its own folder only. A camera exchanges its X.509 certificate for short-lived
 * credentials through the AWS IoT credentials provider (its device policy allows
 * `iot:AssumeRoleWithCertificate` on this role alias; it names itself in the
 * `x-amzn-iot-thingname` header), and the role lets it put objects under
 * `snapshots/${credentials-iot:ThingName}/`, nothing else. The ops API reads them as media
 * (`sn~<thing>~<file>`).
 */
export class CameraSnapshots extends Construct {
  readonly roleAlias: string;

  constructor(scope: Construct, id: string, props: { media: IBucket }) {
    super(scope, id);
    this.roleAlias = stageName(this, 'camera-snapshots');
    const role = new Role(this, 'role', {
      roleName: stageName(this, 'camera-snapshots'),
      description: 'Cameras put their own snapshots in the media bucket (AWS IoT credentials provider)',
      assumedBy: new ServicePrincipal('credentials.iot.amazonaws.com'),
      maxSessionDuration: Duration.seconds(CREDENTIAL_SECONDS),
    });
    role.addToPolicy(
      new PolicyStatement({
        actions: ['s3:PutObject'],
        resources: [props.media.arnForObjects(`${SNAPSHOT_PREFIX}\${credentials-iot:ThingName}/*`)],
      }),
    );
    Validations.of(role).acknowledge({
      id: `AwsSolutions::AwsSolutions-IAM5[Resource::${stageExports(role).mediaBucket}/${SNAPSHOT_PREFIX}<credentials-iot:ThingName>/*]`,
      reason:
        'A camera names each snapshot itself, inside the folder of its own thing name (the credentials provider’s policy variable).',
    });
    new CfnRoleAlias(this, 'alias', {
      roleAlias: this.roleAlias,
      roleArn: role.roleArn,
      credentialDurationSeconds: CREDENTIAL_SECONDS,
    });
  }
}
