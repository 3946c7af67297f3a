import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HeadObjectCommand, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { monthBefore, PublicationRequest } from '#shared/app/publish-reports';
import { periodsEndingWith } from '#shared/app/period-report';
import { monthsOf, namedPeriod } from '#shared/app/assessment-service';
import { S3ReportStore } from '#shared/adapters/report-store/s3';
import { EventBridgePublisher } from '#shared/adapters/event-publisher/eventbridge';
import { REPORT_EVENTS, reportPublishedEvent, type ReportPublished } from '#shared/events/report-events';
import { FolderReportStore } from '#shared/adapters/report-store/folder';
import { fileSink, sinkPublisher, type EventSink } from '#shared/adapters/event-publisher/sinks';

const SHANGHAI = 'Asia/Shanghai';
const published: ReportPublished = {
  districtId: 'gongshu',
  month: '2026-11',
  timeZone: SHANGHAI,
  generatedAt: '2026-12-01T01:15:00+08:00',
  location: 's3://reports-bucket/gongshu/2026-11/',
  files: [
    { name: 'report.html', key: 'gongshu/2026-11/report.html', contentType: 'text/html; charset=utf-8', bytes: 1234 },
  ],
  summary: { registered: 9, due: 8, closed: 6, closedOnTime: 4, onTimeClosureRate: 0.5 },
};

describe('which month a run publishes', () => {
  it('is the local month before, across a year end and in the district’s time zone', () => {
    expect(monthBefore(Date.parse('2026-12-01T00:30:00+08:00'), SHANGHAI)).toBe('2026-11');
    // 16:30 UTC on 30 November is already 1 December in Hangzhou.
    expect(monthBefore(Date.parse('2026-11-30T16:30:00Z'), SHANGHAI)).toBe('2026-11');
    expect(monthBefore(Date.parse('2026-11-30T15:30:00Z'), SHANGHAI)).toBe('2026-10');
    expect(monthBefore(Date.parse('2027-01-01T09:00:00+08:00'), SHANGHAI)).toBe('2026-12');
  });

  it('takes an operator’s request for a month, a district or a repeat, and refuses anything else', () => {
    expect(PublicationRequest.parse(undefined)).toEqual({ republish: false });
    expect(PublicationRequest.parse({ month: '2026-11', districtId: 'gongshu', republish: true })).toEqual({
      month: '2026-11',
      districtId: 'gongshu',
      republish: true,
    });
    expect(PublicationRequest.safeParse({ month: '2026-13' }).success).toBe(false);
    expect(PublicationRequest.safeParse({ monht: '2026-11' }).success).toBe(false);
  });
});

describe('ReportPublished', () => {
  it('is valid against its schema, with the district and month as its id', () => {
    const event = reportPublishedEvent(published, Date.parse('2026-12-01T01:15:00+08:00'));
    expect(event).toMatchObject({
      source: 'cityops.reports',
      detailType: 'ReportPublished',
      detail: { metadata: { version: '1', id: 'report:gongshu:2026-11' } },
    });
    expect(REPORT_EVENTS.ReportPublished.schema.safeParse(event.detail).success).toBe(true);
    expect(
      REPORT_EVENTS.ReportPublished.schema.safeParse({ ...event.detail, data: { ...published, files: [] } }).success,
    ).toBe(false);
  });
});

describe('the reports bucket (S3)', () => {
  const s3 = mockClient(S3Client);
  beforeEach(() => s3.reset());
  const store = new S3ReportStore(new S3Client({ region: 'cn-north-1' }), 'reports-bucket');
  const s3Error = (name: string, status: number) =>
    new S3ServiceException({ name, $fault: 'client', $metadata: { httpStatusCode: status }, message: name });

  it('finds a key with HeadObject: 404 is absent, any other error is an error', async () => {
    s3.on(HeadObjectCommand, { Key: 'there' })
      .resolves({})
      .on(HeadObjectCommand, { Key: 'missing' })
      .rejects(s3Error('NotFound', 404))
      .on(HeadObjectCommand, { Key: 'forbidden' })
      .rejects(s3Error('Forbidden', 403));
    expect(await store.exists('there')).toBe(true);
    expect(await store.exists('missing')).toBe(false);
    await expect(store.exists('forbidden')).rejects.toThrow('Forbidden');
    expect(s3.commandCalls(HeadObjectCommand)[0]!.args[0].input).toEqual({ Bucket: 'reports-bucket', Key: 'there' });
  });

  it('puts a file with its content type, and says where the keys live', async () => {
    s3.on(PutObjectCommand).resolves({});
    await store.put('gongshu/2026-11/report.html', '<!doctype html>', 'text/html; charset=utf-8');
    expect(s3.commandCalls(PutObjectCommand)[0]!.args[0].input).toEqual({
      Bucket: 'reports-bucket',
      Key: 'gongshu/2026-11/report.html',
      Body: '<!doctype html>',
      ContentType: 'text/html; charset=utf-8',
    });
    expect(store.location).toBe('s3://reports-bucket/');
  });
});

describe('the event bus (EventBridge)', () => {
  const eventBridge = mockClient(EventBridgeClient);
  beforeEach(() => eventBridge.reset());
  const publisher = new EventBridgePublisher(new EventBridgeClient({ region: 'cn-north-1' }), 'cityops-cases');
  const event = reportPublishedEvent(published, Date.parse('2026-12-01T01:15:00+08:00'));

  it('puts events on the bus, ten to a call, with their source, detail type, detail and time', async () => {
    eventBridge.on(PutEventsCommand).callsFake((input: { Entries: unknown[] }) => ({
      FailedEntryCount: 0,
      Entries: input.Entries.map((_, i) => ({ EventId: `e${i}` })),
    }));
    await publisher.publish(Array.from({ length: 12 }, () => event));
    const calls = eventBridge.commandCalls(PutEventsCommand).map((c) => c.args[0].input.Entries!);
    expect(calls.map((entries) => entries.length)).toEqual([10, 2]);
    expect(calls[0]![0]).toEqual({
      EventBusName: 'cityops-cases',
      Source: 'cityops.reports',
      DetailType: 'ReportPublished',
      Detail: JSON.stringify(event.detail),
      Time: new Date('2026-11-30T17:15:00Z'),
    });
  });

  it('fails when EventBridge did not take an entry, naming it', async () => {
    eventBridge
      .on(PutEventsCommand)
      .resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'try again' }] });
    await expect(publisher.publish([event])).rejects.toThrow(
      'EventBridge did not take 1 of 1 events: ReportPublished report:gongshu:2026-11: InternalFailure try again',
    );
  });
});

describe('the local stand-ins', () => {
  it('keeps reports in a folder, written whole, and refuses a key that leaves it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cityops-reports-'));
    const store = new FolderReportStore(dir);
    expect(await store.exists('gongshu/2026-11/report.json')).toBe(false);
    await store.put('gongshu/2026-11/report.json', '{}\n');
    expect(await store.exists('gongshu/2026-11/report.json')).toBe(true);
    expect(readFileSync(join(dir, 'gongshu/2026-11/report.json'), 'utf8')).toBe('{}\n');
    expect(store.location).toBe(`${dir}/`);
    await expect(store.put('../elsewhere.json', '{}')).rejects.toThrow('leaves the reports folder');
  });

  it('publishes to every sink, and fails after trying them all when one refuses', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'cityops-bus-')), 'events.jsonl');
    const down: EventSink = { id: 'webhook:http://down', deliver: () => Promise.reject(new Error('answered 503')) };
    const event = reportPublishedEvent(published, 0);
    await expect(sinkPublisher([down, fileSink(file)]).publish([event])).rejects.toThrow(
      'events not delivered: webhook:http://down: answered 503',
    );
    // The file took it all the same: the next publication repeats it with the same id.
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({
      source: 'cityops.reports',
      'detail-type': 'ReportPublished',
      detail: event.detail,
    });
    await sinkPublisher([fileSink(file)]).publish([event]);
    expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(2);
  });
});

describe('quarters and half-years', () => {
  it('a month’s end brings its quarter’s and half-year’s reports; each is its months', () => {
    expect(periodsEndingWith('2026-11')).toEqual(['2026-11']);
    expect(periodsEndingWith('2026-03')).toEqual(['2026-03', '2026-Q1']);
    expect(periodsEndingWith('2026-06')).toEqual(['2026-06', '2026-Q2', '2026-H1']);
    expect(periodsEndingWith('2026-12')).toEqual(['2026-12', '2026-Q4', '2026-H2']);
    expect(monthsOf('2026-Q1')).toEqual(['2026-01', '2026-02', '2026-03']);
    expect(monthsOf('2026-H2')).toEqual(['2026-07', '2026-08', '2026-09', '2026-10', '2026-11', '2026-12']);
    expect(() => monthsOf('2026-Q5')).toThrow(RangeError);
  });

  it('names a local quarter and half-year as instants of the district’s zone', () => {
    expect(namedPeriod('2026-Q4', SHANGHAI)).toEqual({
      from: Date.parse('2026-10-01T00:00:00+08:00'),
      to: Date.parse('2027-01-01T00:00:00+08:00'),
    });
    expect(namedPeriod('2026-H1', SHANGHAI)).toEqual({
      from: Date.parse('2026-01-01T00:00:00+08:00'),
      to: Date.parse('2026-07-01T00:00:00+08:00'),
    });
  });

  it('takes an operator’s request for one period, never two', () => {
    expect(PublicationRequest.parse({ quarter: '2026-Q4' })).toEqual({ quarter: '2026-Q4', republish: false });
    expect(PublicationRequest.safeParse({ month: '2026-11', quarter: '2026-Q4' }).success).toBe(false);
    expect(PublicationRequest.safeParse({ half: '2026-H3' }).success).toBe(false);
  });
});
