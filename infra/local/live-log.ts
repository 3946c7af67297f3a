import type { DeviceKind } from '#shared/domain/device-kinds';
import type { FleetEvents } from '#devices/fleet-runner';
import { localTimeParts } from '#shared/domain/local-time';
import { printable } from './log-text.ts';
import type { StackObserver } from './stack.ts';

const hhmm = (minuteOfDay: number) =>
  `${String(Math.floor(minuteOfDay / 60)).padStart(2, '0')}:${String(minuteOfDay % 60).padStart(2, '0')}`;

/**
 * The readable live log of `npm start`: connections, refusals and rejections as they
 * happen, and every interval a line of what was stored per device kind.
 */
export function consoleObserver(options: {
  write?: (line: string) => void;
  intervalMs?: number;
  virtualNow?: () => number;
  queueDepth?: () => number;
  /** The district's time zone, for the stack's clock and due times (default Asia/Shanghai). */
  timeZone?: string;
}) {
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const timeZone = options.timeZone ?? 'Asia/Shanghai';
  /** A time in the district: `MM-DD HH:MM`, or `HH:MM` when it is on the day of `today`. */
  const local = (t: number, today?: number) => {
    const p = localTimeParts(t, timeZone);
    const sameDay = today !== undefined && localTimeParts(today, timeZone).date === p.date;
    return `${sameDay ? '' : `${p.date.slice(5)} `}${hhmm(p.minuteOfDay)}`;
  };
  const stamp = () => {
    const real = new Date().toISOString().slice(11, 19);
    if (!options.virtualNow) return real;
    return `${real} (clock ${local(options.virtualNow())} ${timeZone})`;
  };
  // Every line escaped whole (what reaches it may hold a device's strings), and long ones cut.
  const line = (tag: string, text: string) => write(`${stamp()} ${tag.padEnd(8)} ${printable(text, 4000)}`);

  const counts = {
    stored: new Map<string, number>(),
    stale: 0,
    duplicates: 0,
    rejected: 0,
    published: 0,
    throttled: new Set<string>(),
  };
  /** Connections and disconnections come in bursts: one line per burst. */
  const burst = (tag: string, verb: string) => {
    let things: string[] = [];
    let timer: NodeJS.Timeout | undefined;
    const flush = () => {
      clearTimeout(timer);
      timer = undefined;
      if (things.length === 0) return;
      const shown = things.slice(0, 6).join(', ');
      line(
        tag,
        `${things.length} device${things.length > 1 ? 's' : ''} ${verb}: ${shown}${things.length > 6 ? ', …' : ''}`,
      );
      things = [];
    };
    const add = (thing: string) => {
      things.push(thing);
      timer ??= setTimeout(flush, 1000);
    };
    return { add, flush };
  };
  const connected = burst('connect', 'connected');
  const disconnected = burst('gone', 'disconnected');

  const summary = setInterval(() => {
    const kinds: DeviceKind[] = ['bins', 'sweepers', 'cameras'];
    const stored = kinds.map((k) => `${k} ${counts.stored.get(k) ?? 0}`).join(' · ');
    const extras = [
      counts.stale ? `${counts.stale} stale/replayed kept out of state` : '',
      counts.duplicates ? `${counts.duplicates} duplicates` : '',
      counts.rejected ? `${counts.rejected} rejected` : '',
      counts.throttled.size ? `throttled (over 100 publishes/s): ${[...counts.throttled].join(', ')}` : '',
      options.queueDepth ? `${options.queueDepth()} on the streams` : '',
    ].filter(Boolean);
    line(
      'stored',
      `${stored} (last ${Math.round((options.intervalMs ?? 10_000) / 1000)} s)${extras.length ? ` | ${extras.join(' | ')}` : ''}`,
    );
    counts.stored.clear();
    counts.stale = counts.duplicates = counts.rejected = 0;
    counts.throttled.clear();
  }, options.intervalMs ?? 10_000);
  summary.unref();

  const observer: StackObserver = {
    log: {
      info: (message, fields) => line('info', `${message}${fields ? ` ${JSON.stringify(fields)}` : ''}`),
      warn: (message, fields = {}) => {
        if (message === 'telemetry rejected')
          line('rejected', `${fields.thing ?? '(unknown thing)'} ${fields.code}: ${fields.reason}`);
        else line('warn', `${message} ${JSON.stringify(fields)}`);
      },
      error: (message, fields = {}) => line('error', `${message} ${JSON.stringify(fields)}`),
    },
    metrics: {
      count: (name, value, dimensions = {}) => {
        if (name === 'TelemetryStored')
          counts.stored.set(dimensions.kind!, (counts.stored.get(dimensions.kind!) ?? 0) + value);
        else if (name === 'TelemetryStale') counts.stale += value;
        else if (name === 'TelemetryDuplicate') counts.duplicates += value;
        else if (name === 'TelemetryRejected') counts.rejected += value;
      },
      flush() {},
    },
    broker: {
      connected: (thing) => connected.add(thing),
      disconnected: (thing) => disconnected.add(thing),
      refused: (what, clientId, reason) => line('refused', `${what} by "${printable(clientId, 80)}": ${reason}`),
      takeover: (thing, previous, next) =>
        line(
          'takeover',
          `"${thing}": a second connection (${next}) took its client id; the first (${previous}) is closed`,
        ),
      throttled: (thing) => counts.throttled.add(thing),
      dropped: (thing, count, reason) => line('dropped', `${count} publishes of "${thing}": ${reason}`),
    },
    discarded: (b) =>
      line(
        'discard',
        [
          `${b.KinesisBatchInfo.streamArn.split('/').pop()}: ${b.KinesisBatchInfo.batchSize} records set aside whole`,
          `(${b.requestContext.condition}, ${b.requestContext.approximateInvokeCount} invocations):`,
          'npm start -- --redrive puts them back',
        ].join(' '),
      ),
    caseEvent: (event) => {
      const c = event.detail.data;
      const last = c.history.at(-1);
      const where = `${c.siteId || `(${c.location.lat}, ${c.location.lon})`}`;
      const zone = c.zoneId ? `/${c.zoneId}` : '';
      // The case number people read (案件编号), with the id the API and the tables know it by.
      const id = c.caseNumber ? `${c.caseNumber} (${c.caseId})` : c.caseId;
      switch (event.detailType) {
        case 'CaseReported':
          line(
            'case',
            [
              `RECEIVED  ${c.category} [${c.classCode ?? '—'}] from ${c.source ?? 'iot'} at ${where}${zone}:`,
              `${c.status === 'checking' ? 'waiting for an on-site check' : 'waiting for registration'}`,
              `· ${id}: ${c.summary}`,
            ].join(' '),
          );
          break;
        case 'CaseRegistered':
          line('case', `REGISTERED ${c.category} at ${where} by ${last?.actor} → ${c.leadUnit} · ${id}`);
          break;
        case 'CaseRefused':
          line('case', `REFUSED   ${c.category} at ${where}: ${c.refusal?.reason ?? '—'} · ${id}`);
          break;
        case 'CaseMerged': {
          const report = c.reports?.at(-1);
          line(
            'case',
            `MERGED    ${report?.source ?? '?'} report ${report?.category ?? ''} into ${c.category} at ${where} ` +
              `(${c.reports?.length ?? 0} reports) · ${id}`,
          );
          break;
        }
        case 'CaseOpened':
          line(
            'case',
            [
              `OPENED    ${c.category} (${c.severity}) at ${c.siteId}${zone}`,
              `→ ${c.leadUnit}${c.coUnits.length ? ` + ${c.coUnits.join(', ')}` : ''}`,
              `· grid ${c.gridId} (${c.assignee.name}) · due ${local(c.dueAt, c.openedAt)} · ${id}: ${c.summary}`,
            ].join(' '),
          );
          break;
        case 'CaseEscalated':
          line(
            'case',
            `ESCALATED ${c.category} at ${c.siteId} → ${c.escalatedTo} (level ${c.escalationLevel}) · ${id}`,
          );
          break;
        case 'CaseResolved':
          line(
            'case',
            `RESOLVED  ${c.category} at ${c.siteId} by ${last?.actor}${last?.evidence ? `: ${last.evidence.summary}` : ''} · ${id}`,
          );
          break;
        case 'CaseClosed':
          line('case', `CLOSED    ${c.category} at ${c.siteId} by ${last?.actor} · ${id}`);
          break;
        case 'CaseReturned':
          line(
            'case',
            `RETURNED  ${c.category} at ${where} by ${last?.actor} (${c.leadUnit}): ${last?.note ?? ''} · ${id}`,
          );
          break;
        default:
          line(
            'case',
            `updated   ${c.category} at ${c.siteId}: ${last?.action} → ${c.status}, ` +
              `${c.occurrences} occurrence${c.occurrences > 1 ? 's' : ''} · ${id}`,
          );
      }
    },
    hotline: (event) => {
      const m = event.detail.data;
      line('12345', `${m.kind.toUpperCase().padEnd(9)} ticket ${m.ticketNo} · ${m.caseId}: ${m.message}`);
    },
    reportPublished: (event) => {
      const r = event.detail.data;
      line(
        'report',
        `PUBLISHED ${r.districtId} ${r.month}: ${r.summary.registered} registered, ` +
          `${r.summary.closedOnTime} of ${r.summary.due} due closed on time → ${r.location}`,
      );
    },
    schedule: (info) => {
      if (info.error) line('error', `schedule ${info.schedule} failed: ${(info.error as Error).message ?? info.error}`);
    },
    batch: (info) => {
      if (info.error)
        line(
          'error',
          `${info.stream} batch of ${info.size} failed: ${(info.error as Error).message ?? info.error}; it will be retried (bisected)`,
        );
      else if (info.failed)
        line('retry', `${info.stream}: ${info.failed} of ${info.size} records will be retried, in order`);
    },
  };
  const fleet: FleetEvents = {
    problem: (thing, message) => line('device', `${thing}: ${message}`),
  };
  return {
    observer,
    fleet,
    line,
    stop: () => {
      clearInterval(summary);
      connected.flush();
      disconnected.flush();
    },
  };
}
