import { Tags, Validations, type App } from 'aws-cdk-lib';
import { checkStage, DEFAULT_STAGE } from '#shared/domain/iot-names';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { StatefulStack } from './stateful-stack.ts';
import { StatelessStack } from './stateless-stack.ts';

export interface CityOpsAppOptions {
  /** The stage every name carries (`test`, `prod`; default `dev`): two stages live side by side in one account and region. */
  stage?: string;
  /** Who answers for the deployment: the `owner` tag on every resource (default `city-management-office`). */
  owner?: string;
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
  const stage = checkStage(options.stage ?? DEFAULT_STAGE);
  app.node.setContext('stage', stage);
  Tags.of(app).add('project', 'cityops');
  Tags.of(app).add('stage', stage);
  Tags.of(app).add('owner', options.owner ?? 'city-management-office');
  const stateful = new StatefulStack(app, `CityOps-${stage}-Stateful`, {
    deletionProtection: options.deletionProtection ?? true,
    signInDomainPrefix: options.signInDomainPrefix,
    env: options.env,
  });
  const stateless = new StatelessStack(app, `CityOps-${stage}-Stateless`, {
    stateful,
    basicIngest: options.basicIngest ?? true,
    env: options.env,
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
  return { stateful, stateless };
}
