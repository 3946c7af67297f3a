import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { EventPublisher } from '#shared/app/ports/events';
import type { BusEvent } from '#shared/events/event-definition';

/*
 * The local twin of the EventBridge publisher (`eventbridge.ts`): the events file and
 * webhooks. Case events reach the same sinks from the case table's stream, through the
 * local relay (`infra/local/event-relay.ts`, the twin of the EventBridge Pipe).
 */

/** What downstream receives: the event as EventBridge would put it on the bus. */
export const eventLine = (event: BusEvent) => ({
  source: event.source,
  'detail-type': event.detailType,
  detail: event.detail,
});

/** A destination of events (the local bus's targets). `deliver` throws when the event must be tried again. */
export interface EventSink {
  id: string;
  deliver(event: BusEvent): Promise<void>;
}

/**
 * The local bus for events published directly (a report's publication): each goes to every
 * sink; when one refuses, the publication fails after trying them all, and its caller tries
 * again later (a sink that took it the first time then receives it again, with the same
 * id). Case events come from the case stream instead, through the local relay.
 */
export function sinkPublisher(sinks: readonly EventSink[]): EventPublisher {
  return {
    async publish(events) {
      const failures: string[] = [];
      for (const event of events) {
        const results = await Promise.allSettled(sinks.map((sink) => sink.deliver(event)));
        results.forEach((r, i) => {
          if (r.status === 'rejected') failures.push(`${sinks[i]!.id}: ${(r.reason as Error).message}`);
        });
      }
      if (failures.length) throw new Error(`events not delivered: ${failures.join('; ')}`);
    },
  };
}

/** Appends each event as a JSON line. */
export function fileSink(path: string, onEvent?: (event: BusEvent) => void): EventSink {
  let ready: Promise<unknown> | undefined;
  return {
    id: `file:${path}`,
    async deliver(event) {
      await (ready ??= mkdir(dirname(path), { recursive: true }));
      await appendFile(path, `${JSON.stringify(eventLine(event))}\n`);
      onEvent?.(event);
    },
  };
}

/**
 * POSTs each event (of these sources only, when given: a rule's pattern on the bus);
 * anything but a 2xx answer (or no answer in 10 s) is tried again.
 */
export function webhookSink(url: string, sources?: readonly string[]): EventSink {
  return {
    id: sources ? `webhook:${sources.join('+')}:${url}` : `webhook:${url}`,
    async deliver(event) {
      if (sources && !sources.includes(event.source)) return;
      const response = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-cityops-event-id': event.detail.metadata.id,
          'x-cityops-detail-type': event.detailType,
        },
        body: JSON.stringify(eventLine(event)),
        signal: AbortSignal.timeout(10_000),
      });
      await response.body?.cancel();
      if (!response.ok) throw new Error(`${url} answered ${response.status}`);
    },
  };
}
