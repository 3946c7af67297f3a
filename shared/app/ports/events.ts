import type { BusEvent } from '#shared/events/event-definition';

/**
 * The event bus downstream systems listen on (EventBridge in AWS, the events file and webhooks locally). Throws when
 * an event was not taken.
 */
export interface EventPublisher {
  publish(events: readonly BusEvent[]): Promise<void>;
}
