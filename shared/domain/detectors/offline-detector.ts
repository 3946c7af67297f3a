import type { Signal } from '../cases.ts';
import type { Device } from '../city-model.ts';
import { heartbeatMs, WRITTEN_ON_CHANGE } from '../state-writes.ts';

/**
 * A device is offline after `factor` (3) × its expected report interval without a message.
 * For a kind whose state is written only on a change (see `state-writes.ts`) the stored last contact
 * can trail the real one by a heartbeat, so the silence allowed grows by the heartbeat.
 */
export const OFFLINE_DEFAULTS = { factor: 3 };

/**
 * Compares each device's last contact with its expected interval and with what the
 * detector concluded last time; signals only the changes. Devices that never reported are
 * not judged here (commissioning is a separate check).
 */
export function detectOffline(
  devices: { device: Device; lastSeenAt: number | undefined; wasOffline: boolean }[],
  now: number,
  factor = OFFLINE_DEFAULTS.factor,
): { changes: { thing: string; offline: boolean }[]; signals: Signal[] } {
  const changes: { thing: string; offline: boolean }[] = [];
  const signals: Signal[] = [];
  for (const { device, lastSeenAt, wasOffline } of devices) {
    if (lastSeenAt === undefined) continue;
    const silentMs = now - lastSeenAt;
    const lag = WRITTEN_ON_CHANGE[device.kind] ? heartbeatMs(device.expectedIntervalSeconds) : 0;
    const offline = silentMs > factor * device.expectedIntervalSeconds * 1000 + lag;
    if (offline === wasOffline) continue;
    changes.push({ thing: device.thing, offline });
    signals.push({
      kind: offline ? 'anomaly' : 'clear',
      category: 'device_offline',
      siteId: device.siteId,
      thing: device.thing,
      evidence: {
        at: now,
        thing: device.thing,
        summary: offline
          ? `no message for ${Math.round(silentMs / 1000)} s (expected every ${device.expectedIntervalSeconds} s)`
          : `reporting again (last message ${Math.round(silentMs / 1000)} s ago)`,
        data: { lastSeenAt, expectedIntervalSeconds: device.expectedIntervalSeconds },
      },
    });
  }
  return { changes, signals };
}
