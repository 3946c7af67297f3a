import type { FirehoseTransformationEvent, FirehoseTransformationResult, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { DeviceKind } from '#shared/domain/device-kinds';
import type { FileArchive } from './file-archive.ts';

/**
 * The local twin of a Firehose delivery stream with a Lambda processor and an S3
 * destination, on top of a durable local queue that is its buffer (what the broker
 * acknowledged is on disk first). A `QueuePoller` hands each buffer to the function this
 * returns, which invokes the processor with the event Firehose sends, appends the records
 * it returns `Ok` to the archive, writes those it returns `ProcessingFailed` to the error
 * output, and forgets `Dropped` ones. A processor that throws, or answers in a way
 * Firehose would refuse (a record missing or twice, `Ok` without data), fails the
 * whole buffer, which comes back after the queue's visibility timeout; after the route's
 * retries it goes to the error output too (the buffer queue's dead-letter callback).
 */
export function deliveryProcessor(options: {
  stream: string;
  kind: DeviceKind;
  archive: FileArchive;
  process: (event: FirehoseTransformationEvent) => Promise<FirehoseTransformationResult>;
}): (event: SQSEvent) => Promise<SQSBatchResponse> {
  let invocations = 0;
  return async (event) => {
    const records = event.Records.map((r) => ({
      recordId: r.messageId,
      approximateArrivalTimestamp: Number(r.attributes.SentTimestamp),
      data: Buffer.from(r.body).toString('base64'),
    }));
    const result = await options.process({
      invocationId: `local-${options.stream}-${++invocations}`,
      deliveryStreamArn: `arn:aws:firehose:local:000000000000:deliverystream/${options.stream}`,
      region: 'local',
      records,
    });
    const answers = new Map<string, FirehoseTransformationResult['records'][number]>();
    for (const answer of result.records) {
      if (answers.has(answer.recordId)) throw new Error(`processor answered record ${answer.recordId} twice`);
      if (answer.result === 'Ok' && !answer.data) throw new Error(`processor returned record ${answer.recordId} Ok without data`);
      answers.set(answer.recordId, answer);
    }
    const missing = records.filter((r) => !answers.has(r.recordId));
    if (missing.length) throw new Error(`processor did not answer ${missing.length} of ${records.length} records`);

    const arrival = new Map(records.map((r) => [r.recordId, r]));
    const ok = result.records.filter((a) => a.result === 'Ok');
    await options.archive.write(options.kind, ok.map((a) => ({ at: arrival.get(a.recordId)!.approximateArrivalTimestamp, text: Buffer.from(a.data!, 'base64').toString('utf8') })));
    const failed = result.records.filter((a) => a.result === 'ProcessingFailed');
    options.archive.writeFailuresSync(
      options.kind,
      failed.map((a) => ({ recordId: a.recordId, at: arrival.get(a.recordId)!.approximateArrivalTimestamp, rawData: arrival.get(a.recordId)!.data, reason: 'the processor returned ProcessingFailed' })),
    );
    return { batchItemFailures: [] };
  };
}
