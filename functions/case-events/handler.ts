import type { DynamoDBRecord } from 'aws-lambda';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { caseEventFor } from '#shared/events/case-events';

/**
 * The EventBridge Pipe's enrichment: case-table stream records in, case events out (the
 * same mapping the local relay uses). Lock items and deletions yield nothing.
 */
export const makeHandler = () => async (records: DynamoDBRecord[]) =>
  records.flatMap((record) => {
    const images = record.dynamodb ?? {};
    const event = caseEventFor({
      id: record.eventID ?? `${images.SequenceNumber}`,
      oldImage: images.OldImage && unmarshall(images.OldImage as Record<string, AttributeValue>),
      newImage: images.NewImage && unmarshall(images.NewImage as Record<string, AttributeValue>),
    });
    return event ? [{ source: event.source, detailType: event.detailType, detail: event.detail }] : [];
  });

export const handler = makeHandler();
