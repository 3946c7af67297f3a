/**
 * The CDK app (`cdk.json` runs it): the stateful stack, and the stateless stack built from
 * the same route table (device policies and topic rules so far; functions, schedules, API next).
 */
import { App } from 'aws-cdk-lib';
import { StatefulStack } from './stateful-stack.ts';
import { StatelessStack } from './stateless-stack.ts';

const app = new App();
const env = { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION };
const stateful = new StatefulStack(app, 'CityOps-Stateful', { deletionProtection: app.node.tryGetContext('deletionProtection') !== 'false', env });
new StatelessStack(app, 'CityOps-Stateless', { stateful, basicIngest: app.node.tryGetContext('basicIngest') !== 'false', env });
app.synth();
