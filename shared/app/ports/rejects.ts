import type { Rejection } from '#shared/domain/telemetry';
import type { Page } from '../paging.ts';
import type { WriteOutcome } from './telemetry.ts';

/** A stored rejection: the reason and the original payload, as text when it was UTF-8. */
export interface RejectRecord {
  messageId: string;
  code: string;
  reason: string;
  thing: string | null;
  topic: string | null;
  clientId: string | null;
  receivedAt: number;
  payload: string;
  payloadEncoding: 'utf8' | 'base64';
  payloadBytes: number;
  payloadTruncated: boolean;
}

/** Which rejections to list: one thing's (or `undefined`: messages with no readable thing), newest first. */
export interface RejectListing {
  thing: string | undefined;
  code?: string;
  /** Received at or after this time (epoch ms). */
  since?: number;
  limit?: number;
  nextToken?: string;
}

/** Where messages that are not telemetry go, with their reason and original bytes. */
export interface RejectStore {
  save(rejections: Rejection[]): Promise<WriteOutcome>;
  list(listing: RejectListing): Promise<Page<RejectRecord>>;
}
