import type { DynamoDBRecord } from 'aws-lambda';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { changeEventsFor } from '#shared/events/case-events';
import { lazyHandler } from '#shared/runtime/lambda';

/**
 * The EventBridge Pipe's enrichment: case-table stream records in, case events (and the
 * 12345 hotline's answers) out, the same mapping the local relay uses. Lock items and
 * deletions yield nothing. The Pipe puts each element of the answer on the bus.
 */
export const makeHandler = () => async (records: DynamoDBRecord[]) =>
  records.flatMap((record) => {
    const images = record.dynamodb ?? {};
    const events = changeEventsFor({
      id: record.eventID ?? `${images.SequenceNumber}`,
      oldImage: images.OldImage && unmarshall(images.OldImage as Record<string, AttributeValue>),
      newImage: images.NewImage && unmarshall(images.NewImage as Record<string, AttributeValue>),
    });
    return events.map((event) => ({ source: event.source, detailType: event.detailType, detail: event.detail }));
  });

export const handler = lazyHandler(makeHandler);
