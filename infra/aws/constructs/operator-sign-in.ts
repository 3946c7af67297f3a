import { stageName } from '../stage.ts';
import { CfnOutput, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { AccountRecovery, Mfa, UserPool, type UserPoolDomain } from 'aws-cdk-lib/aws-cognito';
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
      deletionProtection: props.retain,
      removalPolicy: props.retain ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    Validations.of(this.userPool).acknowledge({
      id: 'AwsSolutions::AwsSolutions-COG8',
      reason:
        'Threat protection needs the Plus feature plan, paid per user; the pool holds a few dozen staff accounts created by an administrator, with an authenticator app required, which a deployment may add it to.',
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
