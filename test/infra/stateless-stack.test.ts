import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';

import { CASE_CATEGORIES } from '#shared/domain/responsibility';
import { TABLES, type TableSpec } from '#shared/adapters/dynamodb/tables';
import { OPS_API_THROTTLE } from '#infra/aws/constructs/ops-api';
import { API_ROUTES, FUNCTIONS, SCHEDULES, TELEMETRY_FLOWS } from '#infra/topology';
import { StatefulStack } from '#infra/aws/stateful-stack';
import { StatelessStack } from '#infra/aws/stateless-stack';

const app = new App();
const stateful = new StatefulStack(app, 'Stateful');
const template = Template.fromStack(new StatelessStack(app, 'Stateless', { stateful }));
const policies = template.findResources('AWS::IoT::Policy');
/** The logical id of a route-table function's Lambda (found by its description). */
const functionId = (name: string) => {
  const description = FUNCTIONS.find((f) => f.name === name)!.description;
  return Object.entries(template.findResources('AWS::Lambda::Function')).find(
    ([, f]) => f.Properties.Description === description,
  )![0];
};

/** A policy document with its CDK joins flattened to text, `{Aws}` standing for pseudo-parameters. */
const flat = (value: unknown): unknown =>
  Array.isArray(value)
    ? value.map(flat)
    : value && typeof value === 'object'
      ? 'Fn::Join' in value
        ? (value['Fn::Join'] as [string, unknown[]])[1].map((p) => (typeof p === 'string' ? p : '{Aws}')).join('')
        : Object.fromEntries(Object.entries(value).map(([k, v]) => [k, flat(v)]))
      : value;

/**
 * Each function's DynamoDB actions by table, as its topology entry's store methods need them
 * (`shared/adapters/dynamodb/table-grants.ts`): `actions on every item · an action only on items
 * whose key starts so · …`. The ops API, the internet-facing one, may not batch-write, may
 * delete nothing but a closed case's lock, and may update nothing but a day's case-number counter.
 */
const TABLE_GRANTS_BY_FUNCTION: Record<string, Record<string, string>> = {
  'ingest-bins': {
    registry: 'BatchGetItem GetItem Query',
    telemetry: 'BatchGetItem BatchWriteItem GetItem PartiQLInsert PartiQLUpdate Query UpdateItem',
    rejects: 'BatchWriteItem',
    cases: 'GetItem PutItem Query · DeleteItem on active#* · UpdateItem on serial#*',
    tickets: 'GetItem PutItem · DeleteItem on open#*',
  },
  'ingest-sweepers': {
    registry: 'BatchGetItem GetItem Query',
    telemetry: 'BatchGetItem BatchWriteItem GetItem PartiQLInsert PartiQLUpdate Query UpdateItem',
    rejects: 'BatchWriteItem',
    cases: 'GetItem PutItem Query · DeleteItem on active#* · UpdateItem on serial#*',
    coverage: 'UpdateItem',
    tickets: 'GetItem PutItem · DeleteItem on open#*',
  },
  'ingest-cameras': {
    registry: 'BatchGetItem GetItem Query',
    telemetry: 'BatchGetItem BatchWriteItem GetItem PartiQLInsert PartiQLUpdate Query UpdateItem',
    rejects: 'BatchWriteItem',
    cases: 'GetItem PutItem Query · DeleteItem on active#* · UpdateItem on serial#*',
    tickets: 'GetItem PutItem · DeleteItem on open#*',
  },
  'ops-api': {
    registry: 'BatchGetItem GetItem Query',
    telemetry: 'BatchGetItem GetItem',
    rejects: 'Query',
    coverage: 'Query',
    cases: 'GetItem PutItem Query · DeleteItem on active#* · UpdateItem on serial#*',
    tickets: 'GetItem PutItem Query · DeleteItem on open#*',
  },
  'check-offline': {
    registry: 'BatchGetItem GetItem Query',
    telemetry: 'BatchGetItem Query UpdateItem',
    cases: 'GetItem PutItem Query · DeleteItem on active#* · UpdateItem on serial#*',
    tickets: 'GetItem PutItem · DeleteItem on open#*',
  },
  'escalate-overdue': {
    registry: 'Query',
    cases: 'PutItem Query · DeleteItem on active#*',
  },
  'case-events': {},
  'close-windows': {
    registry: 'BatchGetItem GetItem Query',
    telemetry: 'Query',
    coverage: 'Query',
    cases: 'GetItem PutItem Query · DeleteItem on active#* · UpdateItem on serial#*',
  },
  'publish-reports': {
    registry: 'BatchGetItem GetItem Query',
    coverage: 'Query',
    cases: 'Query',
    tickets: 'Query',
  },
};

describe('stateless stack: devices and topic rules', () => {
  it('gives each kind a thing type and a policy: connect only as itself, publish only to its own topic, no wildcards', () => {
    template.resourceCountIs('AWS::IoT::ThingType', 3);
    expect(Object.keys(policies)).toHaveLength(3);
    const garbageRoomPolicy = Object.values(policies).find(
      (p) => p.Properties.PolicyName === 'cityops-dev-bins-device',
    )!;
    const doc = flat(garbageRoomPolicy.Properties.PolicyDocument) as {
      Statement: { Action: string; Resource: string | string[]; Condition?: unknown }[];
    };
    expect(doc.Statement).toEqual([
      {
        Effect: 'Allow',
        Action: 'iot:Connect',
        Resource: 'arn:{Aws}:iot:{Aws}:{Aws}:client/${iot:Connection.Thing.ThingName}',
        Condition: {
          Bool: { 'iot:Connection.Thing.IsAttached': 'true' },
          StringEquals: { 'iot:Connection.Thing.ThingTypeName': 'cityops-dev-bins' },
        },
      },
      {
        Effect: 'Allow',
        Action: 'iot:Publish',
        Resource: [
          'arn:{Aws}:iot:{Aws}:{Aws}:topic/dt/cityops/bins/${iot:Connection.Thing.ThingName}/fill',
          'arn:{Aws}:iot:{Aws}:{Aws}:topic/$aws/rules/cityops_dev_bins_telemetry/dt/cityops/bins/${iot:Connection.Thing.ThingName}/fill',
        ],
      },
    ]);
    const text = JSON.stringify(Object.values(policies).map((p) => flat(p.Properties.PolicyDocument)));
    expect(text).not.toMatch(/[#*+]/);
    expect(text).not.toContain('iot:Subscribe');
  });

  it('lets a camera, and no other kind, exchange its certificate for credentials to put its own snapshots only', () => {
    const statements = (kind: string) =>
      (
        flat(
          Object.values(policies).find((p) => p.Properties.PolicyName === `cityops-dev-${kind}-device`)!.Properties
            .PolicyDocument,
        ) as { Statement: { Action: string; Resource: unknown }[] }
      ).Statement;
    expect(statements('cameras').at(-1)).toEqual({
      Effect: 'Allow',
      Action: 'iot:AssumeRoleWithCertificate',
      Resource: 'arn:{Aws}:iot:{Aws}:{Aws}:rolealias/cityops-dev-camera-snapshots',
    });
    for (const kind of ['bins', 'sweepers'])
      expect(JSON.stringify(statements(kind))).not.toContain('AssumeRoleWithCertificate');
    const aliases = Object.values(template.findResources('AWS::IoT::RoleAlias'));
    expect(aliases).toHaveLength(1);
    expect(aliases[0]!.Properties).toMatchObject({
      RoleAlias: 'cityops-dev-camera-snapshots',
      CredentialDurationSeconds: 3600,
    });
    const roleId = (aliases[0]!.Properties.RoleArn as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0];
    const role = template.findResources('AWS::IAM::Role')[roleId]!.Properties;
    expect(role).toMatchObject({
      RoleName: 'cityops-dev-camera-snapshots',
      MaxSessionDuration: 3600,
      AssumeRolePolicyDocument: {
        Statement: [
          { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'credentials.iot.amazonaws.com' } },
        ],
      },
    });
    const granted = Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((p) => p.Properties.Roles.some((r: { Ref: string }) => r.Ref === roleId))
      .flatMap((p) => p.Properties.PolicyDocument.Statement);
    expect(granted).toEqual([
      {
        Effect: 'Allow',
        Action: 's3:PutObject',
        Resource: {
          'Fn::Join': [
            '',
            [{ 'Fn::ImportValue': 'CityOps-dev-MediaBucketArn' }, '/snapshots/${credentials-iot:ThingName}/*'],
          ],
        },
      },
    ]);
  });

  it('has one topic rule per kind, with the envelope SQL, a Kinesis action keyed by the thing, and an error action', () => {
    template.resourceCountIs('AWS::IoT::TopicRule', 3);
    const envelopeSelect =
      "SELECT encode(*, 'base64') AS payload, topic() AS topic, clientid() AS clientId, timestamp() AS receivedAt";
    for (const [rule, sql, stream] of [
      ['cityops_dev_bins_telemetry', `${envelopeSelect} FROM 'dt/cityops/bins/+/fill'`, 'binstelemetrystream'],
      [
        'cityops_dev_sweepers_telemetry',
        `${envelopeSelect} FROM 'dt/cityops/sweepers/+/geo'`,
        'sweeperstelemetrystream',
      ],
      [
        'cityops_dev_cameras_telemetry',
        `${envelopeSelect} FROM 'dt/cityops/cameras/+/detections'`,
        'camerastelemetrystream',
      ],
    ]) {
      template.hasResourceProperties('AWS::IoT::TopicRule', {
        RuleName: rule,
        TopicRulePayload: Match.objectLike({
          Sql: sql,
          AwsIotSqlVersion: '2016-03-23',
          // The client id is the thing name: a device's messages share a shard, in order.
          Actions: [
            {
              Kinesis: {
                StreamName: { 'Fn::ImportValue': Match.stringLikeRegexp(`^Stateful:ExportsOutputRef${stream}`) },
                PartitionKey: '${clientid()}',
                RoleArn: Match.anyValue(),
              },
            },
          ],
          ErrorAction: { CloudwatchLogs: Match.objectLike({ LogGroupName: Match.anyValue() }) },
        }),
      });
    }
  });

  it('lets each rule’s role put on its stream and write its errors, nothing more', () => {
    const roles = Object.entries(template.findResources('AWS::IAM::Role')).filter(
      ([, r]) => r.Properties.AssumeRolePolicyDocument.Statement[0].Principal.Service === 'iot.amazonaws.com',
    );
    expect(roles).toHaveLength(TELEMETRY_FLOWS.length);
    const ids = new Set(roles.map(([id]) => id));
    const actions = Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((p) => p.Properties.Roles.some((r: { Ref: string }) => ids.has(r.Ref)))
      .flatMap((p) =>
        p.Properties.PolicyDocument.Statement.flatMap((s: { Action: string | string[] }) => [s.Action].flat()),
      );
    expect(new Set(actions)).toEqual(new Set(['kinesis:PutRecord', 'logs:CreateLogStream', 'logs:PutLogEvents']));
  });
});

describe('stateless stack: functions, event sources, schedules', () => {
  const functions = Object.values(template.findResources('AWS::Lambda::Function'));
  const byDescription = (d: string) => functions.find((f) => f.Properties.Description === d)!;

  it('builds one function per entry of the topology with the house defaults', () => {
    expect(functions.filter((f) => f.Properties.Description)).toHaveLength(FUNCTIONS.length);
    for (const spec of FUNCTIONS) {
      const fn = byDescription(spec.description);
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        MemorySize: spec.memoryMb,
        Timeout: spec.timeoutSeconds,
        TracingConfig: { Mode: 'Active' },
        LoggingConfig: expect.objectContaining({ LogFormat: 'JSON' }),
        Environment: {
          Variables: expect.objectContaining({
            TABLE_CASES: expect.anything(),
            TABLE_TELEMETRY: expect.anything(),
            NODE_OPTIONS: '--enable-source-maps',
          }),
        },
      });
    }
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  it('archives each stream with a Firehose stream that reads it, untransformed, a line a record', () => {
    template.resourceCountIs('AWS::KinesisFirehose::DeliveryStream', 3);
    const deliveries = Object.values(template.findResources('AWS::KinesisFirehose::DeliveryStream'));
    for (const [kind, stream] of [
      ['bins', 'binstelemetrystream'],
      ['sweepers', 'sweeperstelemetrystream'],
      ['cameras', 'camerastelemetrystream'],
    ]) {
      const matching = deliveries.filter(
        (d) =>
          d.Properties.ExtendedS3DestinationConfiguration.Prefix === `readings/kind=${kind}/!{timestamp:yyyy/MM/dd}/`,
      );
      expect(matching, kind).toHaveLength(1);
      const delivery = matching[0]!;
      expect(delivery.Properties.DeliveryStreamType).toBe('KinesisStreamAsSource');
      expect(JSON.stringify(delivery.Properties.KinesisStreamSourceConfiguration.KinesisStreamARN)).toMatch(
        new RegExp(`Stateful:ExportsOutputFnGetAtt${stream}`),
      );
      const s3 = delivery.Properties.ExtendedS3DestinationConfiguration;
      expect(s3.BucketARN).toEqual({ 'Fn::ImportValue': 'CityOps-dev-ReadingArchiveArn' });
      expect(s3).toMatchObject({
        CompressionFormat: 'GZIP',
        BufferingHints: { IntervalInSeconds: 300, SizeInMBs: 64 },
        ErrorOutputPrefix: `errors/kind=${kind}/!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd}/`,
      });
      // No function in the archive's path: only a newline after each record.
      expect(s3.ProcessingConfiguration).toEqual({
        Enabled: true,
        Processors: [{ Type: 'AppendDelimiterToRecord', Parameters: [] }],
      });
    }
    // The delivery roles may write to the archive, never delete from it.
    const destinationPolicies = Object.entries(template.findResources('AWS::IAM::Policy')).filter(([id]) =>
      /archiveS3DestinationRoleDefaultPolicy/.test(id),
    );
    expect(destinationPolicies).toHaveLength(3);
    for (const [, policy] of destinationPolicies) {
      const actions = (policy.Properties.PolicyDocument.Statement as { Action: string | string[] }[]).flatMap((st) =>
        [st.Action].flat(),
      );
      expect(actions.sort()).toEqual([
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        's3:AbortMultipartUpload',
        's3:GetBucketLocation',
        's3:GetObject',
        's3:ListBucket',
        's3:ListBucketMultipartUploads',
        's3:PutObject',
      ]);
    }
  });

  it('feeds each ingest function from its stream: 1 s window, bisect on error, partial batch responses, 23 h retries, S3 discards', () => {
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 3);
    for (const [kind, batchSize] of [
      ['bins', 500],
      ['sweepers', 50],
      ['cameras', 200],
    ] as const) {
      template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        FunctionName: { Ref: Match.stringLikeRegexp(`^ingest${kind}fn`) },
        EventSourceArn: {
          'Fn::ImportValue': Match.stringLikeRegexp(`^Stateful:ExportsOutputFnGetAtt${kind}telemetrystream`),
        },
        StartingPosition: 'TRIM_HORIZON',
        BatchSize: batchSize,
        MaximumBatchingWindowInSeconds: 1,
        ParallelizationFactor: 2,
        BisectBatchOnFunctionError: true,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        MaximumRetryAttempts: -1,
        MaximumRecordAgeInSeconds: 82_800,
        DestinationConfig: { OnFailure: { Destination: { 'Fn::ImportValue': 'CityOps-dev-DiscardedBatchesArn' } } },
      });
    }
  });

  it('runs the topology’s schedules on EventBridge Scheduler, retried twice in their period, then kept in a dead-letter queue', () => {
    const schedules = Object.values(template.findResources('AWS::Scheduler::Schedule'));
    expect(schedules).toHaveLength(SCHEDULES.length);
    const ageByFunction: Record<string, number> = {
      'check-offline': 60,
      'escalate-overdue': 60,
      'close-windows': 300,
      'publish-reports': 900,
    };
    expect(SCHEDULES.map((s) => s.name).sort()).toEqual(Object.keys(ageByFunction).sort());
    const [queue] = Object.entries(template.findResources('AWS::SQS::Queue')).filter(([id]) =>
      id.startsWith('schedulesdlq'),
    );
    for (const schedule of SCHEDULES) {
      const found = schedules.find((s) => s.Properties.Description === schedule.description)!;
      expect(found.Properties.ScheduleExpression).toBe(schedule.expression);
      expect(found.Properties.Target.Arn).toEqual({ 'Fn::GetAtt': [functionId(schedule.name), 'Arn'] });
      expect(found.Properties.Target.RetryPolicy).toEqual({
        MaximumRetryAttempts: 2,
        MaximumEventAgeInSeconds: ageByFunction[schedule.name],
      });
      expect(found.Properties.Target.DeadLetterConfig).toEqual({ Arn: { 'Fn::GetAtt': [queue![0], 'Arn'] } });
    }
  });

  it('gives each function a role with just what it uses: log group, X-Ray, tables, indexes, stream (read), discard bucket (put)', () => {
    /**
     * A statement's resources, named: `table:<key>`, `table:<key>/index/<name>`, `stream:<name>`, `bucket:discarded`,
     * `logs:<function>`, `*`.
     */
    const name = (resource: unknown): string => {
      const text = JSON.stringify(resource);
      const table = Object.keys(TABLES).find((key) => text.includes(`ExportsOutputFnGetAtt${key}table`));
      const index = /\/index\/(\w+)/.exec(text)?.[1];
      if (table) return `table:${table}${index ? `/index/${index}` : ''}`;
      const flow = TELEMETRY_FLOWS.find((f) =>
        text.includes(`ExportsOutputFnGetAtt${f.stream.replace('-', '')}stream`),
      );
      if (flow) return `stream:${flow.stream}`;
      if (text.includes('"CityOps-dev-DiscardedBatchesArn"'))
        return text.includes('/*') ? 'bucket:discarded/*' : 'bucket:discarded';
      const logs = FUNCTIONS.find((f) => text.includes(`"${f.name.replace('-', '')}logs`));
      if (logs) return `logs:${logs.name}`;
      if (text.includes('"CityOps-dev-ReportBucketArn"'))
        return text.includes('/*') ? 'bucket:reports/*' : 'bucket:reports';
      if (text.includes('"CityOps-dev-MediaBucketArn"'))
        return text.includes('/media/*')
          ? 'bucket:media/media/*'
          : text.includes('/snapshots/*')
            ? 'bucket:media/snapshots/*'
            : 'bucket:media';
      if (text.includes('ExportsOutputFnGetAttcaseevents')) return 'bus';
      return resource === '*' ? '*' : text;
    };
    const granted = (spec: (typeof FUNCTIONS)[number]) => {
      const role = (byDescription(spec.description).Properties.Role as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0];
      expect(template.findResources('AWS::IAM::Role')[role]!.Properties.ManagedPolicyArns).toBeUndefined();
      const pairs = Object.values(template.findResources('AWS::IAM::Policy'))
        .filter((p) => p.Properties.Roles.some((r: { Ref: string }) => r.Ref === role))
        .flatMap((p) =>
          (
            p.Properties.PolicyDocument.Statement as {
              Effect: string;
              Action: string | string[];
              Resource: unknown;
              Condition?: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': string[] } };
            }[]
          ).flatMap((st) => {
            expect(st.Effect).toBe('Allow');
            const only = st.Condition
              ? ` on ${st.Condition['ForAllValues:StringLike']['dynamodb:LeadingKeys'].join(',')}`
              : '';
            return [st.Action]
              .flat()
              .flatMap((action) => [st.Resource].flat().map((resource) => `${action} ${name(resource)}${only}`));
          }),
        );
      return pairs.sort();
    };
    for (const spec of FUNCTIONS) {
      const expected = [
        `logs:CreateLogStream logs:${spec.name}`,
        `logs:PutLogEvents logs:${spec.name}`,
        'xray:PutTelemetryRecords *',
        'xray:PutTraceSegments *',
      ];
      for (const [key, grants] of Object.entries(TABLE_GRANTS_BY_FUNCTION[spec.name]!) as [
        keyof typeof TABLES,
        string,
      ][]) {
        const [everyItem, ...limited] = grants.split(' · ') as [string, ...string[]];
        const actions = everyItem.split(' ');
        expected.push(...actions.map((action) => `dynamodb:${action} table:${key}`));
        for (const one of limited) {
          const [, action, prefix] = /^(\w+) on (.+)$/.exec(one)!;
          expected.push(`dynamodb:${action} table:${key} on ${prefix}`);
        }
        if (actions.includes('Query'))
          for (const index of (TABLES[key] as TableSpec).indexes ?? [])
            expected.push(`dynamodb:Query table:${key}/index/${index.name}`);
      }
      if (spec.reports)
        expected.push('s3:GetObject bucket:reports/*', 's3:PutObject bucket:reports/*', 's3:ListBucket bucket:reports');
      if (spec.media)
        expected.push(
          's3:GetObject bucket:media/media/*',
          's3:PutObject bucket:media/media/*',
          's3:GetObject bucket:media/snapshots/*',
          's3:ListBucket bucket:media',
        );
      if (spec.bus) expected.push('events:PutEvents bus');
      for (const flow of TELEMETRY_FLOWS.filter((f) => f.function === spec.name))
        expected.push(
          // What the event source mapping reads the stream with (aws-cdk-lib's grant for it), and where it keeps a discarded batch.
          ...[
            'DescribeStreamSummary',
            'GetRecords',
            'GetShardIterator',
            'ListShards',
            'SubscribeToShard',
            'DescribeStream',
            'ListStreams',
            'DescribeStreamConsumer',
          ].map((a) => `kinesis:${a} stream:${flow.stream}`),
          's3:PutObject bucket:discarded/*',
          's3:ListBucket bucket:discarded',
        );
      expect(granted(spec), spec.name).toEqual(expected.sort());
    }
    // Spot checks in plain words.
    expect(
      granted(FUNCTIONS.find((f) => f.name === 'escalate-overdue')!).filter((g) => g.includes('table:')),
    ).not.toContainEqual(expect.stringMatching(/telemetry|rejects|coverage/));
    expect(granted(FUNCTIONS.find((f) => f.name === 'case-events')!).filter((g) => g.startsWith('dynamodb:'))).toEqual(
      [],
    );
    const publisher = FUNCTIONS.find((f) => f.name === 'publish-reports')!;
    expect(granted(publisher)).toEqual(
      expect.arrayContaining(['s3:PutObject bucket:reports/*', 'events:PutEvents bus']),
    );
    expect(
      granted(publisher).filter((g) => g.startsWith('dynamodb:') && !/^dynamodb:(GetItem|BatchGetItem|Query) /.test(g)),
    ).toEqual([]);
    // Only the publisher writes reports or puts events on the bus itself (case events go through the Pipe),
    // and only the ops API presigns media.
    expect(
      FUNCTIONS.filter((f) => f !== publisher)
        .flatMap(granted)
        .filter((g) => /^(s3|events):/.test(g) && !g.includes('bucket:discarded') && !g.includes('bucket:media')),
    ).toEqual([]);
    // Nobody may delete a discarded batch.
    expect(
      FUNCTIONS.flatMap(granted).filter(
        (g) => g.includes('bucket:discarded') && !/^s3:(PutObject|ListBucket) /.test(g),
      ),
    ).toEqual([]);
  });

  it('tells the report publisher where the reports bucket and the bus are, the ops API the media bucket, and no other function', () => {
    for (const spec of FUNCTIONS) {
      const variables = byDescription(spec.description).Properties.Environment.Variables as Record<string, unknown>;
      expect(
        Object.keys(variables)
          .filter((v) => v === 'REPORTS_BUCKET' || v === 'EVENT_BUS_NAME' || v === 'MEDIA_BUCKET')
          .sort(),
        spec.name,
      ).toEqual([
        ...(spec.reports ? ['EVENT_BUS_NAME'] : []),
        ...(spec.media ? ['MEDIA_BUCKET'] : []),
        ...(spec.reports ? ['REPORTS_BUCKET'] : []),
      ]);
    }
    expect(FUNCTIONS.filter((f) => f.media).map((f) => f.name)).toEqual(['ops-api']);
  });
});

describe('stateless stack: case events', () => {
  it('pipes the case stream, case items only, through the enrichment to the bus, with a dead-letter queue', () => {
    const importOf = (text: string) => ({ 'Fn::ImportValue': Match.stringLikeRegexp(text) });
    template.hasResourceProperties('AWS::Pipes::Pipe', {
      Source: importOf('casestable.*StreamArn'),
      Enrichment: { 'Fn::GetAtt': [functionId('case-events'), 'Arn'] },
      Target: importOf('caseevents.*Arn'),
      SourceParameters: {
        DynamoDBStreamParameters: Match.objectLike({
          StartingPosition: 'TRIM_HORIZON',
          DeadLetterConfig: { Arn: importOf('caseeventsdlq.*Arn') },
        }),
        FilterCriteria: {
          Filters: [{ Pattern: JSON.stringify({ dynamodb: { NewImage: { recordType: { S: ['case'] } } } }) }],
        },
      },
      TargetParameters: {
        EventBridgeEventBusParameters: { Source: '$.source', DetailType: '$.detailType' },
        InputTemplate: '<$.detail>',
      },
    });
  });
});

describe('stateless stack: ops API', () => {
  it('bundles the pages people work in beside the ops API function, which serves them', () => {
    const code = template.findResources('AWS::Lambda::Function')[functionId('ops-api')]!.Properties.Code;
    const asset = join(app.outdir, `asset.${String(code.S3Key).replace(/\.zip$/, '')}`);
    expect(readdirSync(join(asset, 'app')).sort()).toEqual([
      'assets',
      'field.html',
      'index.html',
      'ops.html',
      'screen.html',
    ]);
    expect(readFileSync(join(asset, 'app', 'field.html'), 'utf8')).toContain('移动巡查');
    expect(readdirSync(join(asset, 'app', 'assets')).some((f) => f.endsWith('.js'))).toBe(true);
    // Only the ops API: no other function carries them.
    const other = template.findResources('AWS::Lambda::Function')[functionId('case-events')]!.Properties.Code;
    expect(readdirSync(join(app.outdir, `asset.${String(other.S3Key).replace(/\.zip$/, '')}`))).not.toContain('app');
  });

  it('serves every API route of the topology on an HTTP API with IAM authorisation', () => {
    const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route'));
    expect(routes.map((r) => r.Properties.RouteKey).sort()).toEqual(
      API_ROUTES.map((r) => `${r.method} ${r.path}`).sort(),
    );
    // IAM everywhere but the pages (open: no data) and what they read (an operator's token from the user pool).
    const authorization = Object.fromEntries(
      routes.map((r) => [r.Properties.RouteKey, r.Properties.AuthorizationType]),
    );
    expect(authorization).toEqual(
      Object.fromEntries(
        API_ROUTES.map((r) => [
          `${r.method} ${r.path}`,
          r.auth ? { public: 'NONE', operator: 'JWT' }[r.auth] : 'AWS_IAM',
        ]),
      ),
    );
    expect(authorization).toMatchObject({
      'GET /': 'NONE',
      'GET /map': 'JWT',
      'GET /cases': 'AWS_IAM',
      // A person's action on a case: their user-pool token, which the function reads their roles and unit from.
      'POST /cases/{caseId}/transitions': 'JWT',
      // The 12345 hotline hands tickets over with its own IAM role (docs/hotline.md).
      'POST /hotline/12345/tickets': 'AWS_IAM',
      // The pages people work in (static, no data), and their calls with a person's token.
      'GET /app': 'NONE',
      'GET /app/{proxy+}': 'NONE',
      'GET /staff/cases': 'JWT',
      'GET /staff/cases/{caseId}': 'JWT',
      'POST /staff/cases/reports': 'JWT',
      'POST /staff/media': 'JWT',
      'GET /staff/media/{mediaId}': 'JWT',
      'GET /staff/assessment': 'JWT',
      // Maintenance tickets: people act with their token (the actor is the token's user); city systems with IAM, naming themselves.
      'GET /staff/tickets': 'JWT',
      'GET /staff/tickets/{ticketId}': 'JWT',
      'POST /staff/tickets/{ticketId}/transitions': 'JWT',
      'POST /tickets/{ticketId}/transitions': 'AWS_IAM',
    });
    const authorizers = Object.values(template.findResources('AWS::ApiGatewayV2::Authorizer'));
    expect(authorizers).toHaveLength(1);
    const jwt = authorizers[0]!.Properties;
    expect(jwt).toMatchObject({ AuthorizerType: 'JWT', IdentitySource: ['$request.header.Authorization'] });
    // Tokens from the stateful stack's operator pool, issued to the page's client.
    expect(JSON.stringify(jwt.JwtConfiguration.Issuer)).toMatch(
      /cognito-idp\..*ExportsOutputRefoperatorsigninoperators/,
    );
    const [clientId, client] = Object.entries(template.findResources('AWS::Cognito::UserPoolClient'))[0]!;
    expect(jwt.JwtConfiguration.Audience).toEqual([{ Ref: clientId }]);
    // The page's client: authorization code with PKCE only, no secret, back to the page's address.
    const apiId = Object.keys(template.findResources('AWS::ApiGatewayV2::Api'))[0]!;
    expect(client.Properties).toMatchObject({
      AllowedOAuthFlows: ['code'],
      AllowedOAuthScopes: ['openid'],
      AllowedOAuthFlowsUserPoolClient: true,
      GenerateSecret: false,
      PreventUserExistenceErrors: 'ENABLED',
    });
    // Back to the pages people work in (the district's map among them), which sign in with the same client.
    for (const page of ['index.html', 'ops.html', 'field.html', 'screen.html'])
      expect(JSON.stringify(client.Properties.CallbackURLs)).toContain(
        `{"Fn::GetAtt":["${apiId}","ApiEndpoint"]},"/app/${page}"`,
      );
    expect(client.Properties.ExplicitAuthFlows ?? []).not.toContainEqual(expect.stringMatching(/PASSWORD/));
    // The ops API function knows where operators sign in, and serves the page that way.
    const variables =
      template.findResources('AWS::Lambda::Function')[functionId('ops-api')]!.Properties.Environment.Variables;
    expect(variables.OPS_SIGN_IN_CLIENT_ID).toEqual({ Ref: clientId });
    // It verifies a person's token itself (their roles and unit): the pool's issuer, its keys, the page's client.
    expect(variables.OPS_TOKEN_AUDIENCE).toEqual({ Ref: clientId });
    expect(JSON.stringify(variables.OPS_TOKEN_ISSUER)).toMatch(
      new RegExp(
        [
          String.raw`^\{"Fn::Join":\["",\["https:\/\/cognito-idp\.",\{"Ref":"AWS::Region"\},"\.",`,
          String.raw`\{"Ref":"AWS::URLSuffix"\},"\/",\{"Fn::ImportValue":"[^"]*operatorsignin[^"]*"\}\]\]\}$`,
        ].join(''),
      ),
    );
    expect(JSON.stringify(variables.OPS_JWKS_URL)).toContain('"/.well-known/jwks.json"');
    expect(JSON.stringify(variables.OPS_SIGN_IN_DOMAIN)).toContain('.auth.');
    template.hasResourceProperties('AWS::ApiGatewayV2::Integration', { PayloadFormatVersion: '2.0' });
    // Each route reaches its function.
    const integrations = template.findResources('AWS::ApiGatewayV2::Integration');
    for (const route of API_ROUTES) {
      const found = routes.find((r) => r.Properties.RouteKey === `${route.method} ${route.path}`)!;
      const integrationId = /integrations\/(.+)$/.exec(JSON.stringify(found.Properties.Target))?.[0] ?? '';
      const id = Object.keys(integrations).find((k) => integrationId.includes(k))!;
      expect(integrations[id]!.Properties.IntegrationUri).toEqual({
        'Fn::GetAtt': [functionId(route.function), 'Arn'],
      });
    }
    // One auto-deployed `$default` stage, throttled, with JSON access logs naming the caller.
    template.resourceCountIs('AWS::ApiGatewayV2::Stage', 1);
    const stage = Object.values(template.findResources('AWS::ApiGatewayV2::Stage'))[0]!.Properties;
    expect(stage).toMatchObject({
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: {
        ThrottlingRateLimit: OPS_API_THROTTLE.rateLimit,
        ThrottlingBurstLimit: OPS_API_THROTTLE.burstLimit,
      },
    });
    expect(JSON.parse(stage.AccessLogSettings.Format)).toMatchObject({
      requestId: '$context.requestId',
      caller: '$context.identity.userArn',
      status: '$context.status',
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 365 });
  });
});

describe('stateless stack: operations', () => {
  it('has a dashboard and alarms to an SNS topic, mailed to the address given at deploy time', () => {
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    template.resourceCountIs('AWS::SNS::Topic', 1);
    // The on-call address is a deploy-time parameter; the subscription exists only when it is given.
    expect(template.toJSON().Parameters.AlertEmail).toMatchObject({ Type: 'String', Default: '' });
    const [subscription] = Object.values(template.findResources('AWS::SNS::Subscription'));
    expect(subscription).toMatchObject({ Properties: { Protocol: 'email', Endpoint: { Ref: 'AlertEmail' } } });
    expect(template.toJSON().Conditions[subscription!.Condition]).toEqual({
      'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'AlertEmail' }, ''] }],
    });
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));
    // Each alarm by what it watches: metric (or expression), threshold, periods.
    const watched = alarms
      .map((a) => {
        const p = a.Properties;
        // A metric with a label comes as a one-metric `Metrics` list; an expression as its own entry.
        const metrics = (p.Metrics ?? []) as { Expression?: string; MetricStat?: { Metric: { MetricName: string } } }[];
        const what =
          p.MetricName ?? metrics.find((m) => m.Expression)?.Expression ?? metrics[0]?.MetricStat?.Metric.MetricName;
        return `${what} > ${p.Threshold} × ${p.EvaluationPeriods}`;
      })
      .sort();
    const times = (n: number, line: string) => Array.from({ length: n }, () => line);
    expect(watched).toEqual(
      [
        // The Pipe's and the schedules' dead letters.
        ...times(2, 'ApproximateNumberOfMessagesVisible > 0 × 1'),
        // Each function: errors, throttles, and its longest run above 80 % of its timeout.
        ...times(FUNCTIONS.length, 'Errors > 0 × 1'),
        ...times(FUNCTIONS.length, 'Throttles > 0 × 1'),
        ...[30, 30, 30, 10, 60, 60, 30, 120, 300].map((s) => `Duration > ${s * 800} × 1`),
        // Each topic rule's failures, each stream's iterator age, each event source's discarded records.
        ...times(3, 'Failure > 0 × 1'),
        ...times(3, 'IteratorAge > 300000 × 3'),
        ...times(3, 'OnFailureDestinationDeliveredEventCount > 0 × 1'),
        'ExecutionFailed > 0 × 1',
        'TargetErrorCount > 3 × 1',
        'FILL(connect, 0) + FILL(publish, 0) > 10 × 1',
      ].sort(),
    );
    expect(FUNCTIONS.map((f) => f.timeoutSeconds)).toEqual([30, 30, 30, 10, 60, 60, 30, 120, 300]);
    for (const kind of ['bins', 'sweepers', 'cameras'])
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'IteratorAge',
        Statistic: 'Maximum',
        Threshold: 300_000,
        EvaluationPeriods: 3,
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: Match.stringLikeRegexp(`^ingest${kind}fn`) } }],
      });
    // The refused connects and publishes, from IoT Core's broker metrics.
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Metrics: Match.arrayWith([
        Match.objectLike({
          Id: 'connect',
          MetricStat: Match.objectLike({
            Metric: Match.objectLike({ Namespace: 'AWS/IoT', MetricName: 'Connect.AuthError' }),
          }),
        }),
        Match.objectLike({
          Id: 'publish',
          MetricStat: Match.objectLike({
            Metric: Match.objectLike({ Namespace: 'AWS/IoT', MetricName: 'PublishIn.AuthError' }),
          }),
        }),
      ]),
    });
    for (const a of alarms) expect(a.Properties.AlarmActions).toHaveLength(1);
    const body = flat(
      Object.values(template.findResources('AWS::CloudWatch::Dashboard'))[0]!.Properties.DashboardBody,
    ) as string;
    const widgets = (
      JSON.parse(body) as { widgets: { properties: { title: string; metrics: unknown[][] } }[] }
    ).widgets.map((w) => w.properties);
    expect(widgets.map((w) => w.title)).toEqual([
      'Telemetry stored, by kind',
      'Telemetry rejected, by kind and reason',
      'Dead-letter queues (messages waiting)',
      'Function errors',
      'Function throttles',
      'Cases opened, by category (per hour)',
      'Working cases, by lead unit',
      'Overdue cases, by lead unit',
      'Topic rule failures',
      '1 · Topic rules: messages put on the streams',
      '2 · Streams: records in',
      '3 · Ingest functions: batches',
      '4 · Tables: write units',
      '5 · Case-event Pipe: runs and failures',
      '6 · Bus: deliveries to subscribers',
    ]);
    const metricsOf = (title: string) => widgets.find((w) => w.title === title)!.metrics;
    // The figures the functions write, under the names and dimensions they write them with.
    expect(metricsOf('Cases opened, by category (per hour)').map((m) => m.slice(0, 6))).toEqual(
      CASE_CATEGORIES.map((c) => ['CityOps', 'CasesOpened', 'category', c, 'service', 'cityops']),
    );
    for (const name of ['WorkingCases', 'OverdueCases'])
      expect(
        (metricsOf(`${name.replace('Cases', '')} cases, by lead unit`)[0]![0] as { expression: string }).expression,
      ).toBe(`SEARCH('{CityOps,service,unit} MetricName="${name}"', 'Maximum', 300)`);
  });
});
