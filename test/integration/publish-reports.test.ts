import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ScheduledEvent } from 'aws-lambda';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { caseItem } from '#shared/adapters/dynamodb/case-store';
import { wireDeps } from '#shared/runtime/wiring';
import type { EventPublisher } from '#shared/app/ports/events';
import { assessDistrict } from '#shared/app/assessment-service';
import { REPORT_EVENTS } from '#shared/events/report-events';
import { loadDistrictDir } from '#devices/district-files';
import { makeHandler } from '#functions/publish-reports/handler';
import { FolderReportStore } from '#shared/adapters/report-store/folder';
import { fileSink, sinkPublisher } from '#shared/adapters/event-publisher/sinks';
import { casesInSampleDistrict, withoutLimits } from '../support/assessment-fixture.ts';
import { testTables } from '../support/dynamo.ts';
import { fixedClock, recordingLog, recordingMetrics } from '../support/fakes.ts';

// The November fixture is worked out on the categories' SLAs: the sample district without its time limits.
const model = withoutLimits(await loadDistrictDir());
const scheduled = {
  'detail-type': 'Scheduled Event',
  source: 'aws.scheduler',
  detail: {},
} as unknown as ScheduledEvent;
const localTime = (iso: string) => Date.parse(iso);
let env: Awaited<ReturnType<typeof testTables>>;

/** A publisher wired as the local stack wires it: a reports folder, and the events file as the bus (or a bus that is down). */
function publisher(now: number, options: { busDown?: boolean } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'cityops-published-'));
  const eventsFile = join(dir, 'events.jsonl');
  const clock = fixedClock(now);
  const working = sinkPublisher([fileSink(eventsFile)]);
  let down = options.busDown ?? false;
  const events: EventPublisher = {
    publish: (list) => (down ? Promise.reject(new Error('bus unreachable')) : working.publish(list)),
  };
  const log = recordingLog();
  const deps = wireDeps({
    doc: env.doc,
    tables: env.tables,
    clock,
    log,
    metrics: recordingMetrics(),
    reports: new FolderReportStore(join(dir, 'reports')),
    events,
  });
  const lines = () =>
    existsSync(eventsFile)
      ? readFileSync(eventsFile, 'utf8')
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l))
      : [];
  return { run: makeHandler(deps), deps, clock, log, folder: join(dir, 'reports'), lines, busUp: () => (down = false) };
}

beforeAll(async () => {
  env = await testTables('publish');
  const deps = wireDeps({
    doc: env.doc,
    tables: env.tables,
    clock: fixedClock(0),
    log: recordingLog(),
    metrics: recordingMetrics(),
  });
  await deps.registry.putModel(model);
  for (const c of casesInSampleDistrict())
    await env.doc.send(new PutCommand({ TableName: env.tables.cases, Item: caseItem(c) }));
});

describe('the monthly report’s publication (the publish-reports function) against DynamoDB Local', () => {
  it('an hour after November ends, writes its report files and publishes ReportPublished, once', async () => {
    const p = publisher(localTime('2026-12-01T01:15:00+08:00'));
    expect(await p.run(scheduled)).toEqual({
      published: [`gongshu 2026-11 → ${p.folder}/gongshu/2026-11/`],
      alreadyPublished: [],
      notYet: [],
    });
    const dir = join(p.folder, 'gongshu/2026-11');
    const names = [
      'report.json',
      'units.csv',
      'weeks.csv',
      'inspectors.csv',
      'garbage-rooms.csv',
      'routes.csv',
      'report.html',
    ];
    for (const name of [...names, 'published.json']) expect(existsSync(join(dir, name)), name).toBe(true);
    // The report holds the month's assessment as the API gives it (the hand-computed fixture's figures).
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
    const assessment = await assessDistrict(p.deps, { month: '2026-11', by: 'unit', hours: 'calendar' });
    expect(report.assessment).toEqual(JSON.parse(JSON.stringify(assessment)));
    expect(report.assessment.total).toMatchObject({ registered: 9, due: 8, closedOnTime: 4, onTimeClosureRate: 0.5 });
    expect(report.weeks.map((w: { label: string }) => w.label)).toEqual([
      '2026-11-01',
      '2026-11-02',
      '2026-11-09',
      '2026-11-16',
      '2026-11-23',
      '2026-11-30',
    ]);
    expect(report.generatedAt).toBe('2026-12-01T01:15:00+08:00');
    // In the district's language first.
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    expect(html).toContain('<html lang="zh-CN">');
    expect(html).toContain('<h1>单位考核: gongshu, 2026-11</h1>');
    expect(html).toContain('<h2>单位综合评分排名</h2>');

    // The event, as the bus carries it: valid, naming every file with its size.
    const [line] = p.lines();
    expect(p.lines()).toHaveLength(1);
    expect(line).toMatchObject({ source: 'cityops.reports', 'detail-type': 'ReportPublished' });
    expect(REPORT_EVENTS.ReportPublished.schema.safeParse(line.detail).success).toBe(true);
    expect(line.detail.data).toMatchObject({
      districtId: 'gongshu',
      month: '2026-11',
      location: `${p.folder}/gongshu/2026-11/`,
      summary: {
        registered: 9,
        due: 8,
        closed: report.assessment.total.closed,
        closedOnTime: 4,
        onTimeClosureRate: 0.5,
      },
    });
    expect(line.detail.data.files.map((f: { name: string }) => f.name)).toEqual(names);
    for (const f of line.detail.data.files) expect(f.bytes, f.name).toBe(statSync(join(p.folder, f.key)).size);
    expect(JSON.parse(readFileSync(join(dir, 'published.json'), 'utf8')).detail).toEqual(line.detail);

    // Every later run finds it published and does nothing.
    p.clock.set(localTime('2026-12-01T01:30:00+08:00'));
    expect(await p.run(scheduled)).toEqual({ published: [], alreadyPublished: ['gongshu 2026-11'], notYet: [] });
    expect(p.lines()).toHaveLength(1);
  });

  it('after December, publishes the month, the fourth quarter and the second half-year, each with its months', async () => {
    const p = publisher(localTime('2027-01-01T01:15:00+08:00'));
    const outcome = await p.run(scheduled);
    expect(outcome.published).toEqual([
      `gongshu 2026-12 → ${p.folder}/gongshu/2026-12/`,
      `gongshu 2026-Q4 → ${p.folder}/gongshu/2026-Q4/`,
      `gongshu 2026-H2 → ${p.folder}/gongshu/2026-H2/`,
    ]);
    const quarter = JSON.parse(readFileSync(join(p.folder, 'gongshu/2026-Q4/report.json'), 'utf8'));
    expect(quarter).toMatchObject({ period: '2026-Q4', kind: 'quarter', month: '2026-12' });
    expect(quarter.months.map((m: { label: string }) => m.label)).toEqual(['2026-10', '2026-11', '2026-12']);
    expect(quarter.weeks).toBeUndefined();
    // The quarter's cases are October's and November's (the fixture has none in December): its figures are theirs together.
    const [october, november] = [quarter.months[0], quarter.months[1]];
    expect(quarter.assessment.total.registered).toBe(
      october.registered + november.registered + quarter.months[2].registered,
    );
    expect(existsSync(join(p.folder, 'gongshu/2026-Q4/months.csv'))).toBe(true);
    const half = JSON.parse(readFileSync(join(p.folder, 'gongshu/2026-H2/report.json'), 'utf8'));
    expect(half.months.map((m: { label: string }) => m.label)).toEqual([
      '2026-07',
      '2026-08',
      '2026-09',
      '2026-10',
      '2026-11',
      '2026-12',
    ]);
    const events = p
      .lines()
      .map((l: { detail: { metadata: { id: string }; data: { period: string } } }) => [
        l.detail.metadata.id,
        l.detail.data.period,
      ]);
    expect(events).toEqual([
      ['report:gongshu:2026-12', '2026-12'],
      ['report:gongshu:2026-Q4', '2026-Q4'],
      ['report:gongshu:2026-H2', '2026-H2'],
    ]);
    for (const line of p.lines())
      expect(REPORT_EVENTS.ReportPublished.schema.safeParse(line.detail).success).toBe(true);
    // An operator asks for a quarter again: it is there.
    expect(await p.run({ quarter: '2026-Q4' })).toMatchObject({ alreadyPublished: ['gongshu 2026-Q4'] });
    expect(await p.run({ quarter: '2027-Q1' })).toMatchObject({
      notYet: ['gongshu 2027-Q1: the quarter has not ended, or ended less than 60 minutes ago'],
    });
  });

  it('within the hour after the month ends, publishes the month before it instead, if it is missing', async () => {
    const p = publisher(localTime('2026-12-01T00:30:00+08:00'));
    expect(await p.run(scheduled)).toMatchObject({ published: [expect.stringMatching(/^gongshu 2026-10 → /)] });
    expect(
      JSON.parse(readFileSync(join(p.folder, 'gongshu/2026-10/report.json'), 'utf8')).assessment.total,
    ).toMatchObject({ registered: 1, closedOnTime: 1 }); // J (G opened on 1 November, local time)
  });

  it('when the bus is down, fails without marking the report published, and the next run publishes it', async () => {
    const p = publisher(localTime('2026-12-01T02:00:00+08:00'), { busDown: true });
    await expect(p.run(scheduled)).rejects.toThrow('reports not published: gongshu 2026-11: bus unreachable');
    expect(existsSync(join(p.folder, 'gongshu/2026-11/report.html'))).toBe(true);
    expect(existsSync(join(p.folder, 'gongshu/2026-11/published.json'))).toBe(false);
    expect(p.log.entries).toContainEqual(
      expect.objectContaining({
        level: 'error',
        message: 'report gongshu 2026-11 not published; the next run tries again',
      }),
    );
    p.busUp();
    expect(await p.run(scheduled)).toMatchObject({ published: [expect.stringMatching(/^gongshu 2026-11/)] });
    expect(p.lines()).toHaveLength(1);
  });

  it('takes an operator’s request: a month again, or refuses a month not yet over and a request it does not understand', async () => {
    const p = publisher(localTime('2026-12-10T09:00:00+08:00'));
    await p.run({ month: '2026-11' });
    expect(await p.run({ month: '2026-11' })).toMatchObject({ alreadyPublished: ['gongshu 2026-11'] });
    expect(await p.run({ month: '2026-11', republish: true })).toMatchObject({
      published: [expect.stringMatching(/^gongshu 2026-11/)],
    });
    // A republication is a new event: receivers that drop repeats by id keep it.
    expect(p.lines().map((l) => l.detail.metadata.id)).toEqual([
      'report:gongshu:2026-11',
      `report:gongshu:2026-11:${p.clock.now()}`,
    ]);
    expect(await p.run({ month: '2026-12' })).toEqual({
      published: [],
      alreadyPublished: [],
      notYet: ['gongshu 2026-12: the month has not ended, or ended less than 60 minutes ago'],
    });
    await expect(p.run({ month: '2026-13' })).rejects.toThrow(
      'publish-reports: not a request it understands (month: month must be YYYY-MM)',
    );
    await expect(p.run({ districtId: 'nowhere' })).rejects.toThrow('no district "nowhere"');
  });
});
