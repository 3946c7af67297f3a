/**
 * The CDK app (`cdk.json` runs it): the stateful stack and the stateless stack built from
 * the topology, checked by cdk-nag. Context: `-c deletionProtection=false` for a
 * throw-away deployment, `-c basicIngest=false` to keep devices off Basic Ingest topics,
 * `-c signInDomainPrefix=<prefix>` to name the operators' hosted sign-in domain, `-c
 * stage=test|prod|…` (default dev) for the stage every name carries, `-c owner=<team>`
 * for the owner tag.
 */
import { App } from 'aws-cdk-lib';
import { buildCityOps } from './cityops-app.ts';

const app = new App();
buildCityOps(app, {
  stage: app.node.tryGetContext('stage'),
  owner: app.node.tryGetContext('owner'),
  deletionProtection: app.node.tryGetContext('deletionProtection') !== 'false',
  basicIngest: app.node.tryGetContext('basicIngest') !== 'false',
  signInDomainPrefix: app.node.tryGetContext('signInDomainPrefix'),
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
app.synth();
