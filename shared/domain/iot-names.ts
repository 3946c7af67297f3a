import type { DeviceKind } from './device-kinds.ts';

/** AWS IoT names the CDK app creates and provisioning attaches: one thing type and one policy per kind. */
export const thingTypeName = (kind: DeviceKind) => `cityops-${kind}`;
export const devicePolicyName = (kind: DeviceKind) => `cityops-${kind}-device`;

/** The topic rule of a kind's telemetry (underscores: IoT rule names allow no dashes). */
export const telemetryRuleName = (kind: DeviceKind) => `cityops_${kind}_telemetry`;

const BASIC_INGEST_PREFIX = '$aws/rules/';

/** A topic published straight to a rule (Basic Ingest: no messaging charge, no broker fan-out). */
export const basicIngestTopic = (kind: DeviceKind, topic: string) =>
  `${BASIC_INGEST_PREFIX}${telemetryRuleName(kind)}/${topic}`;

/**
 * Splits a Basic Ingest topic into the rule it names and the topic the rule sees (the
 * `$aws/rules/<rule>/` prefix is not part of what `topic()` returns); undefined for any
 * other topic; `rule: ''` when it starts like one but names no rule.
 */
export function parseBasicIngest(topic: string): { rule: string; topic: string } | undefined {
  if (!topic.startsWith(BASIC_INGEST_PREFIX)) return undefined;
  const rest = topic.slice(BASIC_INGEST_PREFIX.length);
  const slash = rest.indexOf('/');
  return slash <= 0 ? { rule: '', topic: '' } : { rule: rest.slice(0, slash), topic: rest.slice(slash + 1) };
}
