import type { TestProject } from 'vitest/node';
import { startDynamoDbLocal, type DynamoDbLocal } from '#infra/local/dynamodb-local';

/**
 * One DynamoDB Local (in memory) for the whole run, shared by the integration and e2e
 * projects (each project runs its global setup; the first starts it, the last to finish
 * stops it). Test files get their own table prefix.
 */
const shared = globalThis as typeof globalThis & { cityopsDynamo?: { started: Promise<DynamoDbLocal>; users: number } };

export default async function setup(project: TestProject) {
  shared.cityopsDynamo ??= { started: startDynamoDbLocal(), users: 0 };
  const run = shared.cityopsDynamo;
  run.users++;
  const dynamo = await run.started;
  project.provide('dynamoEndpoint', dynamo.endpoint);
  return async () => {
    if (--run.users > 0) return;
    shared.cityopsDynamo = undefined;
    await dynamo.stop();
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    dynamoEndpoint: string;
  }
}
