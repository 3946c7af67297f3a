import { DEVICE_KINDS, MESSAGE_TYPE, isDeviceKind, type DeviceKind } from './device-kinds.ts';

/**
 * The telemetry topic scheme, after AWS's MQTT topic guidance:
 * `dt/cityops/<kind>/<thing>/<type>` — lowercase fixed levels, five levels in all.
 * The thing level is the MQTT client id (the AWS IoT thing name).
 */
export const TOPIC_PREFIX = 'dt/cityops';

/** AWS IoT thing names: 1–128 of letters, digits, `:`, `_`, `-`. */
export const THING_NAME_PATTERN = /^[a-zA-Z0-9:_-]{1,128}$/;

export const isThingName = (value: unknown): value is string =>
  typeof value === 'string' && THING_NAME_PATTERN.test(value);

export const topicFor = (kind: DeviceKind, thing: string): string =>
  `${TOPIC_PREFIX}/${kind}/${thing}/${MESSAGE_TYPE[kind]}`;

/** The MQTT topic filter that matches every device of a kind (used by rules and the local router). */
export const topicFilterFor = (kind: DeviceKind): string => `${TOPIC_PREFIX}/${kind}/+/${MESSAGE_TYPE[kind]}`;

export type TopicParse = { ok: true; kind: DeviceKind; thing: string; type: string } | { ok: false; reason: string };

export function parseTopic(topic: string): TopicParse {
  if (typeof topic !== 'string' || topic.length === 0) return { ok: false, reason: 'topic is empty' };
  const levels = topic.split('/');
  if (levels.length !== 5) {
    return {
      ok: false,
      reason: `topic must have 5 levels (${TOPIC_PREFIX}/<kind>/<thing>/<type>), got ${levels.length}`,
    };
  }
  const [dt, app, kind, thing, type] = levels as [string, string, string, string, string];
  if (`${dt}/${app}` !== TOPIC_PREFIX) return { ok: false, reason: `topic must start with "${TOPIC_PREFIX}/"` };
  if (!isDeviceKind(kind))
    return { ok: false, reason: `unknown device kind "${kind}" (expected one of ${DEVICE_KINDS.join(', ')})` };
  if (!isThingName(thing)) return { ok: false, reason: `"${thing}" is not a valid thing name` };
  if (type !== MESSAGE_TYPE[kind]) {
    return { ok: false, reason: `${kind} publish "${MESSAGE_TYPE[kind]}", not "${type}"` };
  }
  return { ok: true, kind, thing, type };
}

/** MQTT topic-filter matching (`+` one level, `#` the rest), as a broker or IoT rule applies it. */
export function topicMatches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}
