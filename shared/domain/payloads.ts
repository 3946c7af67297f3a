import { z } from 'zod';
import type { DeviceKind } from './device-kinds.ts';

/** Explicit limits on what a device may send. AWS IoT Core itself refuses payloads over 128 KB. */
export const PAYLOAD_LIMITS = {
  maxPayloadBytes: 128 * 1024,
  maxFutureMs: 5 * 60 * 1000,
  maxAgeMs: 7 * 24 * 60 * 60 * 1000,
  maxGpsPoints: 500,
  maxDetections: 50,
  maxSnapshotKeyLength: 1024,
} as const;

/** Payload fields that would claim an identity; identity comes from the connection, never from here. */
export const IDENTITY_FIELDS = ['thing', 'thingName', 'deviceId', 'clientId'] as const;

const epochMs = z.int().positive().max(Number.MAX_SAFE_INTEGER);
const seq = z.int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const latitude = z.number().min(-90).max(90);
const longitude = z.number().min(-180).max(180);
const identity = Object.fromEntries(IDENTITY_FIELDS.map((f) => [f, z.string().optional()])) as Record<
  (typeof IDENTITY_FIELDS)[number],
  z.ZodOptional<z.ZodString>
>;

export const GarbageRoomFillPayload = z.object({
  ...identity,
  ts: epochMs,
  seq,
  fillPct: z.number().min(0).max(100),
  temperatureC: z.number().min(-50).max(250).optional(),
  tiltDeg: z.number().min(0).max(180).optional(),
  batteryPct: z.number().min(0).max(100).optional(),
});
export type GarbageRoomFillPayload = z.infer<typeof GarbageRoomFillPayload>;

export const GpsFix = z.object({
  ts: epochMs,
  lat: latitude,
  lon: longitude,
  speedKmh: z.number().min(0).max(250).optional(),
  headingDeg: z.number().min(0).lt(360).optional(),
  brushOn: z.boolean().optional(),
});
export type GpsFix = z.infer<typeof GpsFix>;

const SweeperSingleFix = z.object({ ...identity, seq, ...GpsFix.shape });
const SweeperBatchedFixes = z.object({
  ...identity,
  ts: epochMs,
  seq,
  points: z.array(GpsFix).min(1).max(PAYLOAD_LIMITS.maxGpsPoints),
});
/** One fix, or a batch of fixes in `points` (the message `ts` is when the batch was sent). */
export const SweeperGeoPayload = z.union([SweeperBatchedFixes, SweeperSingleFix]);
export type SweeperGeoPayload = z.infer<typeof SweeperGeoPayload>;

export const DETECTION_TYPES = ['stall_outside_boundary', 'goods_piled', 'litter_pile', 'illegal_parking'] as const;
export type DetectionType = (typeof DETECTION_TYPES)[number];

export const Detection = z.object({
  type: z.enum(DETECTION_TYPES),
  zoneId: z.string().min(1).max(128),
  confidence: z.number().min(0).max(1),
  /** Normalised image box: x, y, width, height in 0–1. */
  bbox: z
    .tuple([z.number().min(0).max(1), z.number().min(0).max(1), z.number().min(0).max(1), z.number().min(0).max(1)])
    .optional(),
  /** Object-store key of the snapshot; images never ride in MQTT. */
  snapshotKey: z.string().min(1).max(PAYLOAD_LIMITS.maxSnapshotKeyLength).optional(),
});
export type Detection = z.infer<typeof Detection>;

export const CameraDetectionsPayload = z.object({
  ...identity,
  ts: epochMs,
  seq,
  detections: z.array(Detection).max(PAYLOAD_LIMITS.maxDetections),
});
export type CameraDetectionsPayload = z.infer<typeof CameraDetectionsPayload>;

export const PAYLOAD_SCHEMAS = {
  bins: GarbageRoomFillPayload,
  sweepers: SweeperGeoPayload,
  cameras: CameraDetectionsPayload,
} as const satisfies Record<DeviceKind, z.ZodType>;

export type PayloadOf<K extends DeviceKind> = z.infer<(typeof PAYLOAD_SCHEMAS)[K]>;

/** `path: message; path: message` — short enough for a log line and a reject record. */
export function describeIssues(error: z.ZodError): string {
  return plainIssues(error.issues)
    .slice(0, 5)
    .map((issue) => `${issue.path.length ? issue.path.join('.') : '(payload)'}: ${issue.message}`)
    .join('; ');
}

/**
 * The issues to tell: for a payload that fits none of a union's shapes (a sweeper's one fix
 * or batch of fixes), the issues of the shape it came closest to (fewest issues), instead of
 * zod's bare "Invalid input".
 */
function plainIssues(issues: readonly z.core.$ZodIssue[]): { path: PropertyKey[]; message: string }[] {
  return issues.flatMap((issue) => {
    if (issue.code !== 'invalid_union' || !issue.errors?.length) return [issue];
    const closest = [...issue.errors].sort((a, b) => a.length - b.length)[0]!;
    return plainIssues(closest).map((inner) => ({ ...inner, path: [...issue.path, ...inner.path] }));
  });
}
