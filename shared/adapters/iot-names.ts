import type { DeviceKind } from '#shared/domain/device-kinds';

/** AWS IoT names the CDK app creates and provisioning attaches: one thing type and one policy per kind. */
export const thingTypeName = (kind: DeviceKind) => `cityops-${kind}`;
export const devicePolicyName = (kind: DeviceKind) => `cityops-${kind}-device`;
