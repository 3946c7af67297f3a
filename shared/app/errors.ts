import { WordedError } from '#shared/domain/labels';

/** A storage failure worth trying again (throttling, a dropped connection, a 5xx). */
export class RetryableError extends Error {
  override readonly name = 'RetryableError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/**
 * A request that cannot be answered as asked: the caller's mistake (an HTTP API answers 400 with the message, and its
 * Chinese where it has one).
 */
export class RequestRefusedError extends WordedError {}

/** A `nextToken` this API did not issue. */
export class InvalidPageTokenError extends RequestRefusedError {}
