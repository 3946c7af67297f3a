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
export type MessageType = (typeof MESSAGE_TYPE)[DeviceKind];

export const isDeviceKind = (value: unknown): value is DeviceKind =>
  typeof value === 'string' && (DEVICE_KINDS as readonly string[]).includes(value);
