import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics as PowertoolsMetrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import type { Log, Metrics } from '#shared/app/ports/observability';
import { S3MediaStore } from '../adapters/media-store/s3.ts';
import { S3ReportStore } from '../adapters/report-store/s3.ts';
import { EventBridgePublisher } from '../adapters/event-publisher/eventbridge.ts';
import { systemClock } from '../adapters/clock.ts';
import { documentClient } from '../adapters/dynamodb/client.ts';
import { tableNamesFromEnv } from '../adapters/dynamodb/tables.ts';
import { JwtIdentity } from '../adapters/identity/jwt-identity.ts';
import { wireDeps, type Deps } from './wiring.ts';

/** Where sign-in tokens are checked (the ops API's environment: the operators' user pool). */
export const IDENTITY_ENV = {
  jwksUrl: 'OPS_JWKS_URL',
  issuer: 'OPS_TOKEN_ISSUER',
  audience: 'OPS_TOKEN_AUDIENCE',
} as const;

function identityFromEnv(env: Record<string, string | undefined>): JwtIdentity | undefined {
  const jwksUrl = env[IDENTITY_ENV.jwksUrl];
  const issuer = env[IDENTITY_ENV.issuer];
  const audience = env[IDENTITY_ENV.audience];
  return jwksUrl && issuer && audience ? new JwtIdentity({ keys: new URL(jwksUrl), issuer, audience }) : undefined;
}

const SERVICE = 'cityops';

/**
 * The execution environment's logger and tracer. Made at import (neither needs AWS settings;
 * outside Lambda the tracer is off): the handler's middleware needs them before the first
 * invocation.
 */
const logger = new Logger({ serviceName: SERVICE });
const tracer = new Tracer({ serviceName: SERVICE });

/**
 * The Lambda wiring of the ports: clients and configuration from the environment,
 * created once per execution environment on first use (never at import, so tests can
 * import a handler module without AWS settings).
 */
let shared: { doc: ReturnType<typeof documentClient>; log: Log; metrics: Metrics } | undefined;

export function lambdaBase() {
  if (!shared) {
    const powertools = new PowertoolsMetrics({ namespace: 'CityOps', serviceName: SERVICE });
    shared = {
      doc: documentClient(tracer.captureAWSv3Client(new DynamoDBClient({}))),
      log: {
        info: (message, fields) => logger.info(message, { ...fields }),
        warn: (message, fields) => logger.warn(message, { ...fields }),
        error: (message, fields) => logger.error(message, { ...fields }),
      },
      metrics: {
        count: (name, value, dimensions = {}) => {
          const single = powertools.singleMetric();
          single.addDimensions(dimensions);
          single.addMetric(name, MetricUnit.Count, value);
        },
        flush: () => powertools.publishStoredMetrics(),
      },
    };
  }
  return shared;
}

/**
 * All adapters, from the environment (table names, history retention, the reports bucket and the event bus of the
 * functions given them).
 */
export function lambdaDeps(env = process.env): Deps {
  const { doc, log, metrics } = lambdaBase();
  return wireDeps({
    doc,
    tables: tableNamesFromEnv(env),
    clock: systemClock,
    log,
    metrics,
    historyDays: Number(env.HISTORY_DAYS ?? 30),
    reports: env.REPORTS_BUCKET
      ? new S3ReportStore(tracer.captureAWSv3Client(new S3Client({})), env.REPORTS_BUCKET)
      : undefined,
    media: env.MEDIA_BUCKET
      ? new S3MediaStore(tracer.captureAWSv3Client(new S3Client({})), env.MEDIA_BUCKET)
      : undefined,
    events: env.EVENT_BUS_NAME
      ? new EventBridgePublisher(tracer.captureAWSv3Client(new EventBridgeClient({})), env.EVENT_BUS_NAME)
      : undefined,
    identity: identityFromEnv(env),
  });
}

/**
 * A Lambda entry point: builds the real handler on the first invocation and reuses it.
 * Every log line carries the invocation's request id, function and cold start
 * (Powertools' `injectLambdaContext`), and each invocation is an X-Ray subsegment with the
 * cold start and service annotated and an error recorded (`captureLambdaHandler`); the AWS
 * clients above are traced as well.
 */
export function lazyHandler<E, R>(build: () => (event: E) => Promise<R>): (event: E, context: Context) => Promise<R> {
  let built: ((event: E) => Promise<R>) | undefined;
  return middy(async (event: E) => (built ??= build())(event))
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(captureLambdaHandler(tracer, { captureResponse: false }));
}
