import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { TABLES } from '#shared/adapters/dynamodb/tables';
import { StatefulStack } from '#infra/aws/stateful-stack';

const template = Template.fromStack(new StatefulStack(new App(), 'Test'));

describe('stateful stack', () => {
  it('creates every table of the table definitions, on demand, with PITR, TTL and deletion protection', () => {
    template.resourceCountIs('AWS::DynamoDB::GlobalTable', Object.keys(TABLES).length);
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      Replicas: [
        Match.objectLike({
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
          DeletionProtectionEnabled: true,
        }),
      ],
    });
    template.hasResourceProperties('AWS::DynamoDB::GlobalTable', {
      GlobalSecondaryIndexes: [Match.objectLike({ IndexName: 'byParent' })],
    });
  });

  it('gives the case table, and only it, a stream of new and old images, with its five indexes', () => {
    const withStream = Object.values(template.findResources('AWS::DynamoDB::GlobalTable')).filter(
      (t) => t.Properties.StreamSpecification,
    );
    expect(withStream).toHaveLength(1);
    expect(withStream[0]!.Properties.StreamSpecification).toEqual({ StreamViewType: 'NEW_AND_OLD_IMAGES' });
    expect(
      withStream[0]!.Properties.GlobalSecondaryIndexes.map((i: { IndexName: string }) => i.IndexName).sort(),
    ).toEqual(['byDistrictShard', 'byDue', 'byMergeCell', 'byStreetShard', 'byUnitShard']);
  });

  it('gives the telemetry table the offline check’s index: sharded, by silence due time (a number), keys only', () => {
    const telemetry = Object.values(template.findResources('AWS::DynamoDB::GlobalTable')).find((t) =>
      t.Properties.GlobalSecondaryIndexes?.some((i: { IndexName: string }) => i.IndexName === 'bySilence'),
    );
    expect(telemetry?.Properties.GlobalSecondaryIndexes).toEqual([
      {
        IndexName: 'bySilence',
        KeySchema: [
          { AttributeName: 'silenceShard', KeyType: 'HASH' },
          { AttributeName: 'silenceDue', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'KEYS_ONLY' },
      },
    ]);
    expect(telemetry?.Properties.AttributeDefinitions).toEqual(
      expect.arrayContaining([
        { AttributeName: 'silenceShard', AttributeType: 'S' },
        { AttributeName: 'silenceDue', AttributeType: 'N' },
      ]),
    );
  });

  it('keeps the reading archive, the reports and the media in private, encrypted, TLS-only buckets that outlive the stack', () => {
    template.resourceCountIs('AWS::S3::Bucket', 4);
    for (const bucket of Object.values(template.findResources('AWS::S3::Bucket')))
      expect(bucket).toMatchObject({
        DeletionPolicy: 'Retain',
        Properties: {
          BucketEncryption: {
            ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
          },
          PublicAccessBlockConfiguration: {
            BlockPublicAcls: true,
            BlockPublicPolicy: true,
            IgnorePublicAcls: true,
            RestrictPublicBuckets: true,
          },
        },
      });
    // Every bucket keeps every version: a month published again keeps the earlier files, and
    // an archived message or a discarded batch is never lost to an overwrite.
    for (const bucket of Object.values(template.findResources('AWS::S3::Bucket')))
      expect(bucket.Properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    template.hasOutput('ReportBucket', { Value: { Ref: Match.stringLikeRegexp('^reportsbucket') } });
    const policies = Object.values(template.findResources('AWS::S3::BucketPolicy'));
    expect(policies).toHaveLength(4); // the archive, the reports, the media and the discarded batches
    for (const policy of policies)
      expect(JSON.stringify(policy.Properties.PolicyDocument)).toContain('"aws:SecureTransport":"false"');
    // Exported by the fixed names the stateless stack imports them by.
    for (const name of ['CityOps-dev-ReadingArchiveArn', 'CityOps-dev-ReportBucketArn', 'CityOps-dev-MediaBucketArn']) {
      expect(
        Object.values(template.toJSON().Outputs).filter(
          (o) => (o as { Export?: { Name: string } }).Export?.Name === name,
        ),
      ).toHaveLength(1);
    }
  });

  it('gives every telemetry flow an encrypted Kinesis stream, on demand, kept 24 hours, a versioned bucket for discarded batches', () => {
    template.resourceCountIs('AWS::Kinesis::Stream', 3);
    for (const name of [
      'cityops-dev-bins-telemetry',
      'cityops-dev-sweepers-telemetry',
      'cityops-dev-cameras-telemetry',
    ]) {
      template.hasResourceProperties('AWS::Kinesis::Stream', {
        Name: name,
        StreamModeDetails: { StreamMode: 'ON_DEMAND' },
        RetentionPeriodHours: 24,
        StreamEncryption: { EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis' },
      });
    }
    template.hasOutput('discardedbatchesbucket', { Value: { Ref: Match.stringLikeRegexp('^discardedbatches') } });
    // Only the case-event Pipe's dead letters remain on SQS.
    template.resourceCountIs('AWS::SQS::Queue', 1);
  });
});

describe('case event bus', () => {
  it('has a bus for case events with a year’s archive of them', () => {
    template.resourceCountIs('AWS::Events::EventBus', 1);
    template.hasResourceProperties('AWS::Events::EventBus', { Name: 'cityops-dev-cases' });
    template.hasResourceProperties('AWS::Events::Archive', {
      RetentionDays: 365,
      EventPattern: { source: ['cityops.cases'] },
    });
  });
});

describe('operators of the ops page', () => {
  it('keeps their accounts in a user pool an administrator fills, with an authenticator app required, kept with the stack’s data', () => {
    template.resourceCountIs('AWS::Cognito::UserPool', 1);
    template.hasResource('AWS::Cognito::UserPool', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({
        AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
        MfaConfiguration: 'ON',
        EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
        DeletionProtection: 'ACTIVE',
        Policies: { PasswordPolicy: Match.objectLike({ MinimumLength: 12, RequireSymbols: true }) },
      }),
    });
    template.hasResourceProperties('AWS::Cognito::UserPoolDomain', { Domain: Match.anyValue() });
    template.hasOutput('OperatorUserPool', {});
  });

  it('has a group per role and a unit attribute, which a user’s token carries', () => {
    const groups = Object.values(template.findResources('AWS::Cognito::UserPoolGroup')).map((g) => [
      g.Properties.GroupName,
      g.Properties.Description,
    ]);
    expect(groups).toEqual([
      ['intake_clerk', '受理员 intake clerk'],
      ['shift_lead', '值班长 shift lead'],
      ['dispatcher', '派遣员 dispatcher'],
      ['handler', '处置人员 unit handler'],
      ['inspector', '监督员 inspector'],
      ['grid_worker', '网格员 grid worker'],
      ['leader', '领导 leader'],
      ['admin', '系统管理员 administrator'],
    ]);
    template.hasResourceProperties('AWS::Cognito::UserPool', {
      Schema: Match.arrayWith([Match.objectLike({ Name: 'unit', AttributeDataType: 'String', Mutable: true })]),
    });
  });
});
