/**
 * The CDK app (`cdk.json` runs it). Today it holds the stateful stack; the stateless stack
 * (functions, topic rules, schedules, API) is built from the same route table next.
 */
import { App } from 'aws-cdk-lib';
import { StatefulStack } from './stateful-stack.ts';

const app = new App();
new StatefulStack(app, 'CityOps-Stateful', {
  deletionProtection: app.node.tryGetContext('deletionProtection') !== 'false',
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
app.synth();
