import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import type { TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, LoggingFormat, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { TABLES, tableEnvName, type TableKey, type TableSpec } from '#shared/adapters/dynamodb/tables';
import type { FunctionSpec } from '#infra/topology';
import { grantsFor } from '#shared/adapters/dynamodb/table-grants';
import { stageExports } from '../stage.ts';
import { resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../../..');

/**
 * A CityOps Lambda with the house defaults baked in: arm64, the newest Node runtime,
 * bundled locally by esbuild with source maps, JSON logs kept a month, X-Ray tracing,
 * every table name in its environment, and its own role: write to its own log group, send
 * traces, and on the tables (and their indexes) the actions of the store methods its
 * topology entry names. No AWS managed policy (the basic execution role allows logs anywhere).
 */
export class CityOpsFunction extends Construct {
  readonly fn: NodejsFunction;

  constructor(
    scope: Construct,
    id: string,
    props: {
      spec: FunctionSpec;
      tables: Record<TableKey, TableV2> /** Imported by its fixed export (see `stage.ts`). */;
      reports: IBucket;
      media: IBucket;
      bus: IEventBus;
    },
  ) {
    super(scope, id);
    const { spec, tables } = props;
    const environment: Record<string, string> = {};
    const logGroup = new LogGroup(this, 'logs', {
      retention: RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const role = new Role(this, 'role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `the ${spec.name} function`,
    });
    role.addToPolicy(
      new PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn],
      }),
    );
    // Each table: the actions of the store methods the function calls (its topology entry), on the
    // table and, for queries, its indexes; an action limited to some items, on those only.
    for (const [key, methods] of Object.entries(spec.tables) as [TableKey, readonly string[]][]) {
      const table = tables[key];
      const { everyItem, byPrefix } = grantsFor(key, methods);
      if (everyItem.length) role.addToPolicy(new PolicyStatement({ actions: everyItem, resources: [table.tableArn] }));
      for (const { prefix, actions } of byPrefix)
        role.addToPolicy(
          new PolicyStatement({
            actions,
            resources: [table.tableArn],
            conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${prefix}*`] } },
          }),
        );
      const indexes = (TABLES[key] as TableSpec).indexes ?? [];
      if (indexes.length && everyItem.includes('dynamodb:Query'))
        role.addToPolicy(
          new PolicyStatement({
            actions: ['dynamodb:Query'],
            resources: indexes.map((i) => `${table.tableArn}/index/${i.name}`),
          }),
        );
    }
    if (spec.reports) {
      // Its objects, and ListBucket so that a missing key answers 404 rather than 403.
      role.addToPolicy(
        new PolicyStatement({
          actions: ['s3:GetObject', 's3:PutObject'],
          resources: [props.reports.arnForObjects('*')],
        }),
      );
      role.addToPolicy(new PolicyStatement({ actions: ['s3:ListBucket'], resources: [props.reports.bucketArn] }));
      environment.REPORTS_BUCKET = props.reports.bucketName;
      Validations.of(role).acknowledge({
        id: `AwsSolutions::AwsSolutions-IAM5[Resource::${stageExports(role).reportBucket}/*]`,
        reason:
          'The reports bucket holds nothing but reports; the function writes any district’s and month’s, ' +
          'so its keys are not known in advance.',
      });
    }
    if (spec.media) {
      // Presigned puts and gets are made with the function's own credentials; ListBucket so a missing key is 404.
      role.addToPolicy(
        new PolicyStatement({
          actions: ['s3:GetObject', 's3:PutObject'],
          resources: [props.media.arnForObjects('media/*')],
        }),
      );
      // Cameras' snapshots (cameras put them; see camera-snapshots.ts): read only.
      role.addToPolicy(
        new PolicyStatement({ actions: ['s3:GetObject'], resources: [props.media.arnForObjects('snapshots/*')] }),
      );
      role.addToPolicy(new PolicyStatement({ actions: ['s3:ListBucket'], resources: [props.media.bucketArn] }));
      environment.MEDIA_BUCKET = props.media.bucketName;
      Validations.of(role).acknowledge({
        id: `AwsSolutions::AwsSolutions-IAM5[Resource::${stageExports(role).mediaBucket}/media/*]`,
        reason: 'A medium’s key is its new random id: the ops API presigns a put or get of any medium under media/.',
      });
      Validations.of(role).acknowledge({
        id: `AwsSolutions::AwsSolutions-IAM5[Resource::${stageExports(role).mediaBucket}/snapshots/*]`,
        reason: 'Cameras name their snapshots (snapshots/<thing>/<file>): the ops API presigns a get of any of them.',
      });
    }
    if (spec.bus) {
      role.addToPolicy(new PolicyStatement({ actions: ['events:PutEvents'], resources: [props.bus.eventBusArn] }));
      environment.EVENT_BUS_NAME = props.bus.eventBusName;
    }
    this.fn = new NodejsFunction(this, 'fn', {
      role,
      entry: resolve(ROOT, spec.entry),
      handler: 'handler',
      description: spec.description,
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: spec.memoryMb,
      timeout: Duration.seconds(spec.timeoutSeconds),
      tracing: Tracing.ACTIVE,
      loggingFormat: LoggingFormat.JSON,
      logGroup,
      projectRoot: ROOT,
      depsLockFilePath: resolve(ROOT, 'package-lock.json'),
      environment: {
        ...Object.fromEntries(
          (Object.keys(tables) as TableKey[]).map((key) => [tableEnvName(key), tables[key].tableName]),
        ),
        ...environment,
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: 'cityops',
      },
      bundling: {
        forceDockerBundling: false,
        // The pages people work in, built by Vite into the function's folder (`app/`), which serves them.
        ...(spec.pages
          ? {
              commandHooks: {
                beforeBundling: () => [],
                beforeInstall: () => [],
                afterBundling: (_inputDir: string, outputDir: string) => [
                  [
                    'npx --no-install vite build',
                    `--config ${resolve(ROOT, 'web/vite.config.ts')}`,
                    `--outDir ${outputDir}/app`,
                    '--emptyOutDir --logLevel warn',
                  ].join(' '),
                ],
              },
            }
          : {}),
        sourceMap: true,
        minify: true,
        target: 'node24',
        format: OutputFormat.CJS,
        mainFields: ['module', 'main'],
      },
    });
    Validations.of(role).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
      reason:
        'X-Ray tracing: xray:PutTraceSegments and xray:PutTelemetryRecords support no resource-level ' +
        'permissions (the only wildcard in the role).',
    });
    Validations.of(this.fn).acknowledge({ id: 'Serverless::Serverless-LambdaDLQ', reason: spec.failures });
  }
}
