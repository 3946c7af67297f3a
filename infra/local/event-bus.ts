import { join } from 'node:path';
import type { EventPublisher } from '#shared/app/ports/events';
import { fileSink, sinkPublisher, webhookSink, type EventSink } from '#shared/adapters/event-publisher/sinks';
import { CASE_EVENT_SOURCE, type CaseEvent } from '#shared/events/case-events';
import { HOTLINE_EVENT_SOURCE, type HotlineEvent } from '#shared/events/hotline-events';
import { REPORT_EVENT_SOURCE, type ReportEvent } from '#shared/events/report-events';
import type { Piece, Twin } from './pieces.ts';

export interface LocalEventBus extends Piece {
  eventsFile: string;
  /** The bus's targets: the case event pipe delivers to each, keeping its place per target. */
  sinks: EventSink[];
  /** What a function publishes on the bus (a report's publication). */
  events: EventPublisher;
}

export interface EventBusSettings {
  /**
   * The events file (what the bus carries: case events and report publications); default
   * `<dataDir>/events/case-events.jsonl`, or a temporary folder in memory.
   */
  eventsFile?: string;
  /** Webhook URLs that receive every case event (POST, JSON), with retry. */
  webhooks?: string[];
  /** The 12345 hotline's receivers: its replies, send-backs and results only (POST, JSON), with retry. */
  hotlineWebhooks?: string[];
}

/**
 * The event bus (`EventBus` of the stateful stack) and its targets: the events file
 * (default `<folder>/events/case-events.jsonl`), every case event to `webhooks`, the 12345
 * hotline's answers to `hotlineWebhooks` (each POSTed as JSON, tried again until taken).
 * Each event is told to `observer` once it is in the events file.
 */
export function localEventBus(options: EventBusSettings & Pick<Twin, 'folder' | 'observer'>): LocalEventBus {
  const { observer } = options;
  const eventsFile = options.eventsFile ?? join(options.folder, 'events', 'case-events.jsonl');
  const onEvent = (event: { source: string }) => {
    if (event.source === CASE_EVENT_SOURCE) observer.caseEvent?.(event as CaseEvent);
    else if (event.source === REPORT_EVENT_SOURCE) observer.reportPublished?.(event as ReportEvent);
    else if (event.source === HOTLINE_EVENT_SOURCE) observer.hotline?.(event as HotlineEvent);
  };
  const sinks = [
    fileSink(eventsFile, onEvent),
    ...(options.webhooks ?? []).map((url) => webhookSink(url)),
    ...(options.hotlineWebhooks ?? []).map((url) => webhookSink(url, [HOTLINE_EVENT_SOURCE])),
  ];
  return {
    eventsFile,
    sinks,
    events: sinkPublisher(sinks),
    health: () => ({ up: true }),
    stop: async () => {},
  };
}
