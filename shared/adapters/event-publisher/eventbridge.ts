import { PutEventsCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { EventPublisher } from '#shared/app/ports/events';
import type { BusEvent } from '#shared/events/event-definition';

/** PutEvents takes at most 10 entries a call. */
const PUT_EVENTS_MAX = 10;

/** Puts events on the CityOps bus; an entry EventBridge did not take fails the call (the caller tries again). */
export class EventBridgePublisher implements EventPublisher {
  constructor(
    private readonly client: Pick<EventBridgeClient, 'send'>,
    private readonly busName: string,
  ) {}

  async publish(events: readonly BusEvent[]): Promise<void> {
    for (let i = 0; i < events.length; i += PUT_EVENTS_MAX) {
      const chunk = events.slice(i, i + PUT_EVENTS_MAX);
      const result = await this.client.send(
        new PutEventsCommand({
          Entries: chunk.map((e) => ({
            EventBusName: this.busName,
            Source: e.source,
            DetailType: e.detailType,
            Detail: JSON.stringify(e.detail),
            Time: new Date(e.detail.metadata.occurredAt),
          })),
        }),
      );
      if (result.FailedEntryCount) {
        const failed = (result.Entries ?? []).flatMap((entry, j) =>
          entry.ErrorCode
            ? [
                `${chunk[j]!.detailType} ${chunk[j]!.detail.metadata.id}: ${entry.ErrorCode} ${entry.ErrorMessage ?? ''}`.trim(),
              ]
            : [],
        );
        throw new Error(
          `EventBridge did not take ${result.FailedEntryCount} of ${chunk.length} events: ${failed.join('; ')}`,
        );
      }
    }
  }
}
