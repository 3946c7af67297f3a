import { RetryableError } from '#shared/app/errors';

const RETRYABLE_NAMES = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'InternalServerError',
  'ServiceUnavailable',
  'TransactionConflictException',
  'LimitExceededException',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
]);
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND']);

/** Whether a DynamoDB failure is worth a redelivery (after the SDK's own retries gave up). */
export function isRetryable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const e = error as Error & {
    code?: string;
    $retryable?: unknown;
    $metadata?: { httpStatusCode?: number };
    cause?: unknown;
  };
  if (RETRYABLE_NAMES.has(e.name) || e.$retryable) return true;
  if (e.code && NETWORK_CODES.has(e.code)) return true;
  if ((e.$metadata?.httpStatusCode ?? 0) >= 500) return true;
  return e.cause !== undefined && e.cause !== error && isRetryable(e.cause);
}

/** Rethrows a retryable failure as {@link RetryableError}; anything else as it is. */
export function classify(error: unknown, what: string): never {
  if (isRetryable(error))
    throw new RetryableError(`${what}: ${(error as Error).message || (error as Error).name}`, { cause: error });
  throw error;
}
