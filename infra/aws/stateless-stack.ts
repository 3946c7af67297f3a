import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { DevicePolicies } from './constructs/device-policies.ts';
import { TelemetryRules } from './constructs/telemetry-rules.ts';
import type { StatefulStack } from './stateful-stack.ts';

export interface StatelessStackProps extends StackProps {
  stateful: StatefulStack;
  /** Let devices publish to their rule's Basic Ingest topic too (default true). */
  basicIngest?: boolean;
}

/**
 * What holds no state. So far: device thing types and policies, and the topic rules from
 * the route table into the stateful stack's queues. The functions, event sources,
 * schedules, the case-event Pipe, the ops API, the dashboard and alarms come next.
 */
export class StatelessStack extends Stack {
  constructor(scope: Construct, id: string, props: StatelessStackProps) {
    super(scope, id, props);
    new DevicePolicies(this, 'devices', { basicIngest: props.basicIngest ?? true });
    new TelemetryRules(this, 'telemetry-rules', { queues: props.stateful.queues });
  }
}
