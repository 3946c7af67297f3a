/**
 * `npm run report -- --month 2026-11 --out <dir>` (or `--quarter 2026-Q4`, `--half 2026-H2`): the unit assessment of a running
 * stack (`npm start`, or any ops API with `--api`), written as `report.json`, CSV files and
 * a self-contained `report.html`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { HALF, MONTH, QUARTER, type DistrictAssessment } from '#shared/app/assessment-service';
import { assemblePeriodReport, type PeriodReport } from '#shared/app/period-report';
import { reportFiles } from '#functions/publish-reports/report-files';

export interface ReportOptions {
  api: string;
  /** The period: a month `YYYY-MM`, a quarter `YYYY-Qn` or a half-year `YYYY-Hn`. */
  period: string;
  out: string;
  districtId?: string;
  hours?: 'calendar' | 'working';
  /** Told of each step. */
  progress?: (line: string) => void;
}

async function assessment(options: ReportOptions, query: Record<string, string>): Promise<DistrictAssessment> {
  const params = new URLSearchParams({
    by: 'unit',
    hours: options.hours ?? 'calendar',
    ...(options.districtId ? { districtId: options.districtId } : {}),
    ...query,
  });
  const url = `${options.api.replace(/\/$/, '')}/assessment?${params}`;
  let response: Response;
  try {
    response = await fetch(url);
  } catch (error) {
    const why = (error as Error).cause ?? (error as Error).message;
    throw new Error(`cannot reach the ops API at ${options.api} (${why}): is the stack running (npm start)?`);
  }
  const body = (await response.json().catch(() => null)) as DistrictAssessment | { message?: string } | null;
  if (!response.ok)
    throw new Error(
      `the ops API refused ${url}: ${response.status} ${(body as { message?: string } | null)?.message ?? ''}`.trim(),
    );
  return body as DistrictAssessment;
}

/** Assesses the month and its weeks through the ops API and writes the report files; returns the report and the files written. */
export async function generateReport(options: ReportOptions): Promise<{ report: PeriodReport; files: string[] }> {
  const report = await assemblePeriodReport(
    options.period,
    (period) =>
      assessment(
        options,
        'from' in period ? { from: String(period.from), to: String(period.to) } : (period as Record<string, string>),
      ),
    Date.now,
    options.progress,
  );
  mkdirSync(options.out, { recursive: true });
  const files = reportFiles(report).map(({ name, text }) => {
    const path = join(options.out, name);
    writeFileSync(path, text);
    return path;
  });
  return { report, files };
}

const USAGE = [
  'usage: npm run report --',
  '(--month YYYY-MM | --quarter YYYY-Qn | --half YYYY-Hn)',
  '--out <dir>',
  '[--api http://127.0.0.1:3000]',
  '[--district <id>]',
  '[--hours calendar|working]',
].join(' ');

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    const { values } = parseArgs({
      options: {
        month: { type: 'string' },
        quarter: { type: 'string' },
        half: { type: 'string' },
        out: { type: 'string' },
        api: {
          type: 'string',
          default: process.env.CITYOPS_API ?? `http://127.0.0.1:${process.env.API_PORT ?? '3000'}`,
        },
        district: { type: 'string' },
        hours: { type: 'string', default: 'calendar' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (values.help) {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    }
    const given = [values.month, values.quarter, values.half].filter((v) => v !== undefined);
    const period = given[0];
    const valid =
      given.length === 1 &&
      ((values.month !== undefined && MONTH.test(values.month)) ||
        (values.quarter !== undefined && QUARTER.test(values.quarter)) ||
        (values.half !== undefined && HALF.test(values.half)));
    if (!valid || !period)
      throw new Error(`one of --month YYYY-MM, --quarter YYYY-Qn or --half YYYY-Hn is required\n${USAGE}`);
    if (!values.out) throw new Error(`--out <dir> is required\n${USAGE}`);
    if (values.hours !== 'calendar' && values.hours !== 'working')
      throw new Error(`--hours is calendar or working\n${USAGE}`);
    const { report, files } = await generateReport({
      api: values.api!,
      period,
      out: resolve(values.out),
      districtId: values.district,
      hours: values.hours,
      progress: (line) => process.stderr.write(`${line}\n`),
    });
    const t = report.assessment.total;
    const counts = `${t.registered} registered, ${t.due} due, ${t.closedOnTime} closed on time`;
    process.stdout.write(
      `${report.districtId} ${report.period}: ${counts}\n${files.map((f) => `  ${f}`).join('\n')}\n`,
    );
  } catch (error) {
    process.stderr.write(`report: ${(error as Error).message}\n`);
    process.exit(1);
  }
}
