import { Validations, type App } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { StatefulStack } from './stateful-stack.ts';
import { StatelessStack } from './stateless-stack.ts';

export interface CityOpsAppOptions {
  /** Refuse table deletion (default true). */
  deletionProtection?: boolean;
  /** Let devices publish to Basic Ingest topics too (default true). */
  basicIngest?: boolean;
  /** The operators' hosted sign-in domain prefix (default `cityops-<account>`). */
  signInDomainPrefix?: string;
  env?: { account?: string; region?: string };
}

/**
 * Both stacks in an app, with cdk-nag's AwsSolutions and Serverless packs checking them at
 * synthesis: any finding not acknowledged (with its reason, next to the construct that
 * causes it) stops `cdk synth` and `cdk deploy`. The tests build the app the same way.
 */
export function buildCityOps(app: App, options: CityOpsAppOptions = {}) {
  const stateful = new StatefulStack(app, 'CityOps-Stateful', {
    deletionProtection: options.deletionProtection ?? true,
    signInDomainPrefix: options.signInDomainPrefix,
    env: options.env,
  });
  const stateless = new StatelessStack(app, 'CityOps-Stateless', {
    stateful,
    basicIngest: options.basicIngest ?? true,
    env: options.env,
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
  return { stateful, stateless };
}
