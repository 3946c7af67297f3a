import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { RetryableError } from '#shared/app/errors';
import { isRetryable } from './errors.ts';

/**
 * Document client with the marshalling options every repository expects. A failure worth
 * a redelivery (throttling, a 5xx, a dropped connection, once the SDK's own retries gave
 * up) leaves every command as {@link RetryableError}, whichever store sent it, so the
 * application tells "try this message again" from "this message can never be stored"
 * in one way.
 */
export function documentClient(client: DynamoDBClient): DynamoDBDocumentClient {
  const doc = DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
  if (!doc.middlewareStack.identify().some((m) => m.startsWith('retryableErrors'))) {
    doc.middlewareStack.add(
      (next, context) => async (args) => {
        try {
          return await next(args);
        } catch (error) {
          if (error instanceof RetryableError || !isRetryable(error)) throw error;
          throw new RetryableError(
            `${context.commandName ?? 'DynamoDB'}: ${(error as Error).message || (error as Error).name}`,
            { cause: error },
          );
        }
      },
      { step: 'initialize', name: 'retryableErrors' },
    );
  }
  return doc;
}

/** DynamoDB Local takes any credentials and region, since the store runs with `-sharedDb`. */
const localConfig = (endpoint: string) => ({
  endpoint,
  region: 'local',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
});

export function localDynamoClient(endpoint: string, extra: DynamoDBClientConfig = {}): DynamoDBClient {
  return new DynamoDBClient({ ...localConfig(endpoint), maxAttempts: 4, ...extra });
}

/** The Streams API of the same DynamoDB Local. */
export function localStreamsClient(endpoint: string): DynamoDBStreamsClient {
  return new DynamoDBStreamsClient(localConfig(endpoint));
}
