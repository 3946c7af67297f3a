import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics as PowertoolsMetrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Log, Metrics } from '#shared/app/ports';
import { S3ReportStore } from './s3-report-store.ts';
import { EventBridgePublisher } from './eventbridge-publisher.ts';
import type { DeviceKind } from '#shared/domain/device-kinds';
import { ingestHandler } from './telemetry-envelope.ts';
import { systemClock } from './clock.ts';
import { documentClient } from './dynamodb/client.ts';
import { tableNamesFromEnv } from './dynamodb/tables.ts';
import { wireDeps, type Deps } from './wiring.ts';

/**
 * The Lambda wiring of the ports: clients and configuration from the environment,
 * created once per execution environment on first use (never at import, so tests can
 * import a handler module without AWS settings).
 */
const SERVICE = 'cityops';

/** The environment variables that tell the ops API where operators sign in (set on it by the CDK app). */
export const SIGN_IN_ENV = { domain: 'OPS_SIGN_IN_DOMAIN', clientId: 'OPS_SIGN_IN_CLIENT_ID' } as const;

let shared: { doc: ReturnType<typeof documentClient>; log: Log; metrics: Metrics } | undefined;

export function lambdaBase() {
  if (!shared) {
    const logger = new Logger({ serviceName: SERVICE });
    const powertools = new PowertoolsMetrics({ namespace: 'CityOps', serviceName: SERVICE });
    shared = {
      doc: documentClient(new DynamoDBClient({})),
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

/** All adapters, from the environment (table names, history retention, the reports bucket and the event bus of the functions given them). */
export function lambdaDeps(env = process.env): Deps {
  const { doc, log, metrics } = lambdaBase();
  return wireDeps({
    doc,
    tables: tableNamesFromEnv(env),
    clock: systemClock,
    log,
    metrics,
    historyDays: Number(env.HISTORY_DAYS ?? 30),
    reports: env.REPORTS_BUCKET ? new S3ReportStore(new S3Client({}), env.REPORTS_BUCKET) : undefined,
    events: env.EVENT_BUS_NAME ? new EventBridgePublisher(new EventBridgeClient({}), env.EVENT_BUS_NAME) : undefined,
    operatorSignIn: env[SIGN_IN_ENV.domain] && env[SIGN_IN_ENV.clientId] ? { domain: env[SIGN_IN_ENV.domain]!, clientId: env[SIGN_IN_ENV.clientId]! } : undefined,
  });
}

/** Builds the real handler on the first invocation and reuses it. */
export function lazyHandler<E, R>(build: () => (event: E) => Promise<R>): (event: E) => Promise<R> {
  let built: ((event: E) => Promise<R>) | undefined;
  return (event) => (built ??= build())(event);
}

/** Everything an ingest function module exports: the factory for tests and the Lambda entry point. */
export function ingestFunction(kind: DeviceKind) {
  const makeHandler = (deps: Parameters<typeof ingestHandler>[1]) => ingestHandler(kind, deps);
  return { makeHandler, handler: lazyHandler(() => makeHandler(lambdaDeps())) };
}
