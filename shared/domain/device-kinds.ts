/**
 * The three kinds of street device and the one message type each publishes.
 * Kind names are the second topic level: `dt/cityops/<kind>/<thing>/<type>`.
 */
export const DEVICE_KINDS = ['bins', 'sweepers', 'cameras'] as const;
export type DeviceKind = (typeof DEVICE_KINDS)[number];

export const MESSAGE_TYPE = {
  bins: 'fill',
  sweepers: 'geo',
  cameras: 'detections',
} as const satisfies Record<DeviceKind, string>;

export const isDeviceKind = (value: unknown): value is DeviceKind =>
  typeof value === 'string' && (DEVICE_KINDS as readonly string[]).includes(value);

/**
 * Whether a kind's detectors query its past readings back: a sweeper's fixes are joined
 * across batches (and a window's silence is judged from them), so they are kept in the
 * telemetry table as well as the archive. Garbage rooms and cameras carry what their
 * detectors need in their state, and their readings go to the archive only.
 */
export const QUERIES_HISTORY = {
  bins: false,
  sweepers: true,
  cameras: false,
} as const satisfies Record<DeviceKind, boolean>;
