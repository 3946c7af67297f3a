import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { buildCityOps } from '#infra/aws/cityops-app';

interface CfnTemplate {
  Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
  Outputs?: Record<string, { Export?: { Name?: unknown } }>;
}

/** Both stacks of one stage, as templates, with the stacks' names. */
function synthesise(stage: string) {
  const app = new App();
  const { stateful, stateless } = buildCityOps(app, { stage, owner: 'sanitation-it' });
  return {
    stackNames: [stateful.stackName, stateless.stackName],
    templates: [stateful, stateless].map((stack) => Template.fromStack(stack).toJSON() as CfnTemplate),
  };
}

/**
 * Every name a template gives a resource in the account and region: the resources' own
 * `…Name` properties and Cognito domains (not names scoped inside a parent: an API's stage
 * or authorizer, a role's inline policy), and the stacks' export names.
 */
function physicalNames(template: CfnTemplate): string[] {
  const scoped = new Set(['StageName', 'DisplayName', 'AttributeName', 'IndexName', 'MetricName']);
  const names: string[] = [];
  // Named inside a parent: a role's inline policy, an API's authorizer, a user pool's group.
  const inParent = new Set(['AWS::IAM::Policy', 'AWS::ApiGatewayV2::Authorizer', 'AWS::Cognito::UserPoolGroup']);
  for (const resource of Object.values(template.Resources ?? {}) as {
    Type: string;
    Properties?: Record<string, unknown>;
  }[])
    if (!inParent.has(resource.Type))
      for (const [key, value] of Object.entries(resource.Properties ?? {}))
        if (typeof value === 'string' && (/Name$/.test(key) || key === 'Domain') && !scoped.has(key)) names.push(value);
  for (const output of Object.values(template.Outputs ?? {}))
    if (typeof output.Export?.Name === 'string') names.push(output.Export.Name);
  return names;
}

describe('stages', () => {
  const test = synthesise('test');
  const prod = synthesise('prod');

  it('synthesise two copies that can live in one account and region: no name in common', () => {
    const testNames = [...test.stackNames, ...test.templates.flatMap(physicalNames)];
    const prodNames = [...prod.stackNames, ...prod.templates.flatMap(physicalNames)];
    expect(test.stackNames).toEqual(['CityOps-test-Stateful', 'CityOps-test-Stateless']);
    // The names that used to be fixed are all there, each with its stage.
    expect(testNames).toEqual(
      expect.arrayContaining([
        'cityops-test-cases',
        'cityops-test-bins-telemetry',
        'CityOps-test-ReadingArchiveArn',
        'CityOps-test-ReportBucketArn',
        'CityOps-test-DiscardedBatchesArn',
        'cityops_test_bins_telemetry',
        'cityops-test-bins',
        'cityops-test-bins-device',
        'CityOps-test',
        'cityops-test-ops',
        'cityops-test-operators',
      ]),
    );
    expect(testNames.length).toBeGreaterThan(15);
    expect(testNames.filter((name) => prodNames.includes(name))).toEqual([]);
  });

  it('tag every taggable resource with the project, the stage and the owner', () => {
    let tagged = 0;
    for (const template of prod.templates)
      for (const [id, resource] of Object.entries(template.Resources)) {
        const tags = resource.Properties?.Tags as { Key: string; Value: string }[] | Record<string, string> | undefined;
        if (!tags) continue;
        const map = Array.isArray(tags) ? Object.fromEntries(tags.map((t) => [t.Key, t.Value])) : tags;
        expect(map, id).toMatchObject({ project: 'cityops', stage: 'prod', owner: 'sanitation-it' });
        tagged++;
      }
    expect(tagged).toBeGreaterThan(30);
  });

  it('refuse a stage a topic rule could not carry', () => {
    expect(() => buildCityOps(new App(), { stage: 'Prod-1' })).toThrow('stage "Prod-1" must be');
  });
});
