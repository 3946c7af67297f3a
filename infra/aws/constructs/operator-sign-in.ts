import { stageName } from '../stage.ts';
import { CfnOutput, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import {
  AccountRecovery,
  CfnUserPoolGroup,
  Mfa,
  StringAttribute,
  UserPool,
  type UserPoolDomain,
} from 'aws-cdk-lib/aws-cognito';
import { ROLE_NAMES } from '#shared/domain/labels';
import { ROLES } from '#shared/domain/case/actors';
import { Construct } from 'constructs';

/**
 * Where operators sign in to the live ops page: a Cognito user pool of the district's
 * operators (an administrator creates each account: no self sign-up), with an
 * authenticator app as second factor, and its hosted sign-in domain. The pool holds
 * people's accounts, so it lives in the stateful stack; the page's app client, which must
 * name the API's address, lives beside the API.
 */
export class OperatorSignIn extends Construct {
  readonly userPool: UserPool;
  readonly domain: UserPoolDomain;

  constructor(scope: Construct, id: string, props: { retain: boolean; domainPrefix?: string }) {
    super(scope, id);
    this.userPool = new UserPool(this, 'operators', {
      userPoolName: stageName(this, 'operators'),
      selfSignUpEnabled: false,
      signInAliases: { username: true, email: true },
      mfa: Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      // A unit's handler belongs to a unit (a department's id, or a street office's): the API lets them act on its cases only.
      customAttributes: { unit: new StringAttribute({ mutable: true, minLen: 1, maxLen: 100 }) },
      deletionProtection: props.retain,
      removalPolicy: props.retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    Validations.of(this.userPool).acknowledge({
      id: 'AwsSolutions::AwsSolutions-COG8',
      reason:
        'Threat protection needs the Plus feature plan, paid per user; the pool holds a few dozen staff ' +
        'accounts created by an administrator, with an authenticator app required, which a deployment may ' +
        'add it to.',
    });
    // One group per role: the groups in a user's token are their roles (docs/roles.md).
    for (const role of ROLES)
      new CfnUserPoolGroup(this, `group-${role}`, {
        userPoolId: this.userPool.userPoolId,
        groupName: role,
        description: `${ROLE_NAMES[role].zh} ${ROLE_NAMES[role].en}`,
      });
    // The hosted sign-in's prefix is unique per region: the stage and account id keep it so, or `-c signInDomainPrefix=…`.
    this.domain = this.userPool.addDomain('hosted-sign-in', {
      cognitoDomain: { domainPrefix: props.domainPrefix ?? stageName(this, Stack.of(this).account) },
    });
    new CfnOutput(Stack.of(this), 'operator-pool', {
      value: this.userPool.userPoolId,
      description:
        'operators of the ops page: aws cognito-idp admin-create-user --user-pool-id <this> --username <name>',
    }).overrideLogicalId('OperatorUserPool');
  }
}
