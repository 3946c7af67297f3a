import type { DeviceKind } from './device-kinds.ts';

/**
 * A deployment's stage (`test`, `prod`, …): every AWS name carries it, so two stages live
 * in one account and region. Lower-case letters and digits, as a topic rule's name allows
 * no dashes. The local twin and the tools use `dev` unless told otherwise.
 */
export const DEFAULT_STAGE = 'dev';
const STAGE = /^[a-z][a-z0-9]{1,9}$/;

/** The stage, checked: 2–10 lower-case letters and digits, starting with a letter. */
export function checkStage(stage: string): string {
  if (!STAGE.test(stage))
    throw new Error(`stage "${stage}" must be 2–10 lower-case letters and digits, starting with a letter`);
  return stage;
}

/** AWS IoT names the CDK app creates and provisioning attaches: one thing type and one policy per kind and stage. */
export const thingTypeName = (kind: DeviceKind, stage = DEFAULT_STAGE) => `cityops-${stage}-${kind}`;
export const devicePolicyName = (kind: DeviceKind, stage = DEFAULT_STAGE) => `cityops-${stage}-${kind}-device`;

/** The topic rule of a kind's telemetry in a stage (underscores: IoT rule names allow no dashes). */
export const telemetryRuleName = (kind: DeviceKind, stage = DEFAULT_STAGE) => `cityops_${stage}_${kind}_telemetry`;

const BASIC_INGEST_PREFIX = '$aws/rules/';

/** A topic published straight to a rule (Basic Ingest: no messaging charge, no broker fan-out). */
export const basicIngestTopic = (kind: DeviceKind, topic: string, stage = DEFAULT_STAGE) =>
  `${BASIC_INGEST_PREFIX}${telemetryRuleName(kind, stage)}/${topic}`;

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
