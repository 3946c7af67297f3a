import type { Rejection } from '#shared/domain/telemetry';
import type { WriteOutcome } from './telemetry.ts';

/** Where messages that are not telemetry go, with their reason and original bytes. */
export interface RejectStore {
  save(rejections: Rejection[]): Promise<WriteOutcome>;
}
