import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Architecture, LoggingFormat, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { tableEnvName, type TableKey } from '#shared/adapters/dynamodb/tables';
import type { FunctionSpec } from '#infra/routes';
import { resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../../..');

/**
 * A CityOps Lambda with the house defaults baked in: arm64, the newest Node runtime,
 * bundled locally by esbuild with source maps, JSON logs kept a month, X-Ray tracing,
 * every table name in its environment, and grants for only the tables its spec names.
 */
export class CityOpsFunction extends Construct {
  readonly fn: NodejsFunction;

  constructor(scope: Construct, id: string, props: { spec: FunctionSpec; tables: Record<TableKey, TableV2> }) {
    super(scope, id);
    const { spec, tables } = props;
    const logGroup = new LogGroup(this, 'logs', { retention: RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY });
    this.fn = new NodejsFunction(this, 'fn', {
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
        ...Object.fromEntries((Object.keys(tables) as TableKey[]).map((key) => [tableEnvName(key), tables[key].tableName])),
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: 'cityops',
      },
      bundling: { forceDockerBundling: false, sourceMap: true, minify: true, target: 'node24', format: OutputFormat.CJS, mainFields: ['module', 'main'] },
    });
    for (const [key, access] of Object.entries(spec.access) as [TableKey, 'read' | 'readWrite'][]) {
      if (access === 'read') tables[key].grantReadData(this.fn);
      else tables[key].grantReadWriteData(this.fn);
    }
  }
}
