import { actionSince, resolveBySensor, transition, type ActionDetails } from '#shared/domain/case/actions';
import { CATEGORY_POLICY } from '#shared/domain/case/category-policy';
import { escalate } from '#shared/domain/case/escalation';
import { markLate } from '#shared/domain/case/lateness';
import { confirmRegistration, joinReport, repeatAnomaly } from '#shared/domain/case/merging';
import {
  signalId,
  type Case,
  type Assignment,
  type CaseOrigin,
  type HistoryEntry,
  type Signal,
} from '#shared/domain/case/model';
import { openCase } from '#shared/domain/case/opening';
import { caseNumberDay, formatCaseNumber } from '#shared/domain/case/case-number';
import { type CaseAction, WORKING_STATUSES } from '#shared/domain/case/statuses';
import { siteLocation, type LatLon } from '#shared/domain/city-model';
import {
  type CaseClass,
  classById,
  classOf,
  limitsOf,
  type PeopleSource,
  type Urgency,
} from '#shared/domain/classification';
import { stageDeadlines, unitDeadline } from '#shared/domain/case/lateness';
import { deadlineOf } from '#shared/domain/time-limits';
import type { Clock } from '#shared/domain/clock';
import { caseToJoin, peopleReport, receiveReport, refuseReport, reporterActor } from '#shared/domain/intake';
import { mergeCellsAround } from '#shared/domain/merge-cells';
import { isDeviceFault } from '#shared/domain/maintenance';
import type { User } from '#shared/domain/case/actors';
import { actingRole, refusalOf } from '#shared/domain/roles';
import { ACTION_NAMES, type Names, STATUS_NAMES, WordedError } from '#shared/domain/labels';
import { DistrictConfig } from './district-config.ts';
import type { MaintenanceService, TicketOutcome } from './maintenance-service.ts';
import type { MediaStore } from './ports/media.ts';
import { RequestRefusedError } from './errors.ts';
import type { CaseStore } from './ports/cases.ts';
import type { Log, Metrics } from './ports/observability.ts';
import { workingCalendarOf } from '#shared/domain/working-time';
import type { Registry } from './ports/registry.ts';
import { unitNames } from './unit-names.ts';

export interface CaseServiceDeps {
  cases: CaseStore;
  registry: Pick<
    Registry,
    'getSite' | 'getPlace' | 'listDistricts' | 'listGrids' | 'listDepartments' | 'listStreets' | 'listCommunities'
  >;
  clock: Clock;
  newId: () => string;
  log: Log;
  /** Counts `CasesOpened` by category and `CasesEscalated` by lead unit. */
  metrics: Pick<Metrics, 'count'>;
  /** Where a device's faults go: maintenance tickets, not cases. */
  maintenance: Pick<MaintenanceService, 'handle'>;
  /** The media bucket: a report's media must have been uploaded. */
  media?: Pick<MediaStore, 'find'>;
}

export type CaseOutcome =
  | { outcome: 'opened' | 'repeated' | 'merged' | 'resolved' | 'escalated'; case: Case }
  | { outcome: 'ignored'; reason: string }
  | TicketOutcome;

/** A person's report as `POST /cases/reports` takes it. */
export interface ReportRequest {
  districtId: string;
  source: PeopleSource;
  classId: string;
  location?: LatLon;
  componentId?: string;
  address?: string;
  description: string;
  urgency?: Urgency;
  media: string[];
  reporter?: { name?: string; phone?: string; id?: string };
  /** The sender's own number (a 12345 ticket): a number already taken answers `duplicate`. */
  externalId?: string;
}

export type ReportOutcome = { outcome: 'received' | 'merged' | 'refused' | 'duplicate'; case: Case };

/** What a person gives with an action (see the domain's `ActionDetails`; evidence is a sensor's). */
export type PersonDetails = Omit<ActionDetails, 'evidence'>;

export class CaseNotFoundError extends WordedError {}
/** The signed-in user may not take the action (their roles, or their unit): a 403, with the reason. */
export class ActionForbiddenError extends WordedError {}

export class CaseConflictError extends WordedError {}

/**
 * Another action was taken on the case while this one was being decided on it (a 409): the
 * person looks at the case as it is now and decides again.
 */
const actedMeanwhile = (caseId: string, action: CaseAction, since: HistoryEntry, now: Case) =>
  new CaseConflictError({
    en: `case ${caseId} changed while ${action} was being taken: ${since.action} by ${since.actor} made it ${now.status}; look at it again`,
    zh:
      `案件 ${caseId} 刚由 ${since.actor} 办理了「${ACTION_NAMES[since.action].zh}」，` +
      `现为「${STATUS_NAMES[now.status].zh}」；` +
      `您的「${ACTION_NAMES[action].zh}」未执行，请刷新后重新办理`,
  });

/** Too many changes at once to one case or place, for the caller to try again. */
const TOO_BUSY: Names = {
  en: 'could not take the report in: too many concurrent changes; try again',
  zh: '上报暂未受理：同时提交的太多，请稍后重试',
};

/**
 * Optimistic-locking rounds before a change gives up. Contenders that all retry at once
 * finish one per round, so each waits a jittered, growing pause first: a dozen workers
 * raising the same anomaly together used to leave the last one out of attempts.
 */
const ATTEMPTS = 12;
const pause = (attempt: number) =>
  attempt === 0
    ? undefined
    : new Promise((resolve) => setTimeout(resolve, Math.min(250, 5 * 2 ** attempt) * (0.5 + Math.random())));

/**
 * The case service: turns detector signals into cases (one active case per site and
 * category), takes people's transitions, and escalates overdue cases. Every write is
 * conditional, so concurrent workers never lose an update or open a second case.
 */
export class CaseService {
  private readonly config: DistrictConfig;

  constructor(private readonly deps: CaseServiceDeps) {
    this.config = new DistrictConfig(deps.registry, deps.clock);
  }

  async handle(signals: Signal[]): Promise<CaseOutcome[]> {
    const outcomes: CaseOutcome[] = [];
    for (const given of signals) {
      // Every signal carries its id, so the same signal handled twice counts once.
      const signal = given.evidence.signalId
        ? given
        : { ...given, evidence: { ...given.evidence, signalId: signalId(given) } };
      const fault = signal.category;
      if (isDeviceFault(fault)) outcomes.push(await this.deps.maintenance.handle({ ...signal, category: fault }));
      else outcomes.push(signal.kind === 'anomaly' ? await this.raise(signal) : await this.clear(signal));
    }
    return outcomes;
  }

  private async raise(signal: Signal): Promise<CaseOutcome> {
    const numbers = this.numbering();
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      await pause(attempt);
      const now = this.deps.clock.now();
      const active = await this.deps.cases.findActive(signal.siteId, signal.category);
      const origin = await this.origin(signal.siteId);
      if (!origin && !active)
        return { outcome: 'ignored', reason: `site ${signal.siteId} or its grid is not in the registry` };
      const cls = classOf(await this.config.classification(origin?.districtId ?? active!.districtId), signal.category);
      if (active) {
        const repeated = repeatAnomaly(active, signal, now);
        if (!repeated) return { outcome: 'ignored', reason: `signal already counted on case ${active.caseId}` };
        const next = await this.withLimits(active, confirmRegistration(repeated, cls, now) ?? repeated, cls);
        if (await this.deps.cases.save(next, active)) return { outcome: 'repeated', case: next };
        continue;
      }
      if (!origin) continue;
      // A case of the class nearby (another device's, a camera's, a person's report) takes the signal.
      const near = await this.casesNear(origin.districtId, cls, origin.location);
      const target = caseToJoin(near, cls, origin.location, signal.evidence.at, signal);
      if (target) {
        const joined = repeatAnomaly(target, signal, now, { location: origin.location, joined: true });
        if (!joined) return { outcome: 'ignored', reason: `signal already counted on case ${target.caseId}` };
        const next = await this.withLimits(target, confirmRegistration(joined, cls, now) ?? joined, cls);
        if (await this.deps.cases.save(next, target)) {
          this.deps.metrics.count('ReportsMerged', 1, { source: next.reports?.at(-1)?.source ?? 'iot' });
          return { outcome: 'merged', case: next };
        }
        continue;
      }
      const opened = await numbers.number(
        await this.withLimits(undefined, openCase(this.deps.newId(), signal, origin, now, cls), cls),
      );
      if ((await this.deps.cases.create(opened)) === 'created') {
        this.deps.metrics.count('CasesOpened', 1, { category: opened.category });
        return { outcome: 'opened', case: opened };
      }
    }
    throw new CaseConflictError(`could not record ${signal.category} at ${signal.siteId}: too many concurrent changes`);
  }

  /**
   * Numbers new cases (案件编号): the district's local day of the case's opening and the
   * day's next serial from the store's counter. The number is taken when first needed and
   * kept for the caller's later attempts on the same day, so an attempt that lost a race
   * does not use up a second serial (one whose case then joined another leaves a gap).
   */
  private numbering() {
    let held: { districtId: string; day: string; caseNumber: string } | undefined;
    return {
      number: async (c: Case): Promise<Case> => {
        const district = await this.config.district(c.districtId);
        const day = caseNumberDay(c.openedAt, district?.timeZone ?? 'UTC');
        if (held?.districtId !== c.districtId || held.day !== day)
          held = {
            districtId: c.districtId,
            day,
            caseNumber: formatCaseNumber(day, await this.deps.cases.nextSerial(c.districtId, day)),
          };
        return { ...c, caseNumber: held.caseNumber };
      },
    };
  }

  /**
   * The case after a change, its unit's deadline set by the district's time limits when
   * the change registers or dispatches it (in working hours); as it was without a table.
   */
  private async withLimits(before: Case | undefined, after: Case, cls: CaseClass): Promise<Case> {
    const district = await this.config.district(after.districtId);
    const limits = limitsOf(district?.classification, cls);
    if (!district || !limits) return after;
    const inForce = { limits, calendar: workingCalendarOf(district) };
    const dueAt = unitDeadline(before, after, inForce);
    return {
      ...after,
      ...(dueAt === undefined ? {} : { dueAt, unitDueAt: dueAt }),
      ...stageDeadlines(before, after, inForce),
    };
  }

  /**
   * The deadline of the escalation ladder's next rung: the handling limit from now, in the
   * district's working hours, by the time limits; the category's SLA without a table.
   */
  private async rungDeadline(c: Case, now: number): Promise<number> {
    const district = await this.config.district(c.districtId);
    const limits = limitsOf(district?.classification, await this.classOfCase(c));
    if (!district || !limits) return now + CATEGORY_POLICY[c.category].slaMs;
    return deadlineOf(limits, c.urgency ?? 'normal', 'handle', now, workingCalendarOf(district));
  }

  private async casesNear(districtId: string, cls: ReturnType<typeof classOf>, at: LatLon): Promise<Case[]> {
    if (cls.merge.distanceM <= 0 || cls.merge.withinMinutes <= 0) return [];
    return this.deps.cases.listNear(mergeCellsAround(districtId, cls, at));
  }

  /**
   * A person's report (intake, 受理): placed in its grid from the district's map; outside
   * every grid it is refused at once (reason `outside_district`); within the merge
   * distance and time of an active case of its class it joins that case; otherwise it is
   * a new case, received, waiting for the intake clerk to register or refuse it. A report
   * whose sender number was taken before answers that report's case (`duplicate`). Throws
   * {@link RequestRefusedError} for a class or component the district does not have.
   */
  async report(request: ReportRequest): Promise<ReportOutcome> {
    const taken = await this.taken(request);
    if (taken) return taken;
    const district = await this.config.district(request.districtId);
    if (!district)
      throw new RequestRefusedError({
        en: `no district "${request.districtId}"`,
        zh: `没有辖区 ${request.districtId}`,
      });
    const cls = classById(district.classification, request.classId);
    if (!cls)
      throw new RequestRefusedError({
        en: `district ${request.districtId} has no class "${request.classId}"`,
        zh: `本辖区的立案分类中没有 ${request.classId}，请重新选择问题类别`,
      });
    let location = request.location;
    if (request.componentId) {
      const site = await this.deps.registry.getSite(request.componentId);
      if (!site || site.districtId !== request.districtId)
        throw new RequestRefusedError({
          en: `district ${request.districtId} has no component "${request.componentId}"`,
          zh: `本辖区没有部件 ${request.componentId}`,
        });
      location ??= siteLocation(site);
    }
    if (!location)
      throw new RequestRefusedError({
        en: 'a report needs a location { lat, lon } or a componentId',
        zh: '上报须带位置（请开启定位）或选择部件',
      });
    await this.mustExist(request.media);
    const now = this.deps.clock.now();
    const input = {
      districtId: request.districtId,
      source: request.source,
      cls,
      location,
      ...(request.componentId ? { componentId: request.componentId } : {}),
      ...(request.address ? { address: request.address } : {}),
      text: request.description,
      ...(request.urgency ? { urgency: request.urgency } : {}),
      media: request.media,
      ...(request.reporter ? { reporter: request.reporter } : {}),
      ...(request.externalId ? { externalId: request.externalId } : {}),
      at: now,
    };
    const reportId = `rp-${this.deps.newId()}`;
    const grid = await this.config.gridAt(request.districtId, location);
    if (!grid) {
      const refused = await this.numbering().number(
        refuseReport(
          this.deps.newId(),
          reportId,
          input,
          'outside_district',
          `(${location.lat}, ${location.lon}) lies outside every grid of ${district.name}`,
          now,
        ),
      );
      if ((await this.deps.cases.create(refused)) === 'exists') {
        const again = await this.taken(request);
        if (again) return again;
        throw new CaseConflictError(TOO_BUSY);
      }
      this.deps.metrics.count('ReportsRefused', 1, { reason: 'outside_district' });
      return { outcome: 'refused', case: refused };
    }
    const numbers = this.numbering();
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      await pause(attempt);
      // Sent twice at once: the other copy's report may have been written since.
      const again = attempt > 0 && (await this.taken(request));
      if (again) return again;
      const at = this.deps.clock.now();
      const target = caseToJoin(await this.casesNear(request.districtId, cls, location), cls, location, at);
      const held = target?.reports?.some((r) => r.source === request.source && r.externalId === request.externalId);
      if (target && request.externalId && held) return { outcome: 'duplicate', case: target };
      if (target) {
        const joined = joinReport(target, peopleReport(reportId, { ...input, at }), reporterActor(input), at);
        if (await this.deps.cases.save(joined, target)) {
          this.deps.metrics.count('ReportsMerged', 1, { source: request.source });
          return { outcome: 'merged', case: joined };
        }
        continue;
      }
      const received = await numbers.number(
        await this.withLimits(
          undefined,
          receiveReport(
            this.deps.newId(),
            reportId,
            { ...input, at },
            {
              districtId: request.districtId,
              location,
              place: { gridId: grid.gridId, communityId: grid.communityId, streetId: grid.streetId },
              assignee: grid.responsible,
            },
            at,
          ),
          cls,
        ),
      );
      if ((await this.deps.cases.create(received)) === 'created') {
        this.deps.metrics.count('ReportsReceived', 1, { source: request.source });
        return { outcome: 'received', case: received };
      }
    }
    throw new CaseConflictError(TOO_BUSY);
  }

  /** The case that already holds the report of this sender number, if any. */
  private async taken(request: ReportRequest): Promise<ReportOutcome | undefined> {
    if (!request.externalId) return undefined;
    const found = await this.deps.cases.findByExternalId(request.source, request.externalId);
    return found && { outcome: 'duplicate', case: found };
  }

  private async clear(signal: Signal): Promise<CaseOutcome> {
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      await pause(attempt);
      const active = await this.deps.cases.findActive(signal.siteId, signal.category);
      if (!active) return { outcome: 'ignored', reason: 'no active case' };
      const change = resolveBySensor(active, signal, this.deps.clock.now());
      if (!change) return { outcome: 'ignored', reason: `case ${active.caseId} is ${active.status}` };
      const resolved = await this.withLimits(active, change, await this.classOfCase(active));
      if (await this.deps.cases.save(resolved, active)) return { outcome: 'resolved', case: resolved };
    }
    throw new CaseConflictError(
      `could not resolve ${signal.category} at ${signal.siteId}: too many concurrent changes`,
    );
  }

  /**
   * A signed-in person's action on a case, with photos already uploaded; throws
   * {@link CaseNotFoundError}, {@link ActionForbiddenError} when the user's roles or unit
   * may not take it, {@link RequestRefusedError} for media not uploaded, the domain's
   * IllegalTransitionError, or {@link CaseConflictError} when another action was taken on
   * the case while this one was decided on it (one winner per version: see the domain's
   * `actionSince`). The history's actor is the user.
   */
  async act(caseId: string, action: CaseAction, user: User, details: PersonDetails = {}): Promise<Case> {
    await this.mustExist(details.media ?? []);
    /** The case as the action was decided on it: an action taken on it since makes this one a conflict. */
    let read: Case | undefined;
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      await pause(attempt);
      const current = await this.deps.cases.get(caseId);
      if (!current) throw new CaseNotFoundError({ en: `no case "${caseId}"`, zh: `没有案件 ${caseId}` });
      const since = read && actionSince(read, current);
      if (since) throw actedMeanwhile(caseId, action, since, current);
      read ??= current;
      if (refusalOf(user, action, current)) {
        const names = await unitNames(this.deps.registry, current.districtId);
        throw new ActionForbiddenError(refusalOf(user, action, current, (id) => names.get(id) ?? id)!);
      }
      if (details.unitId && attempt === 0) await this.mustBeUnit(current.districtId, details.unitId);
      if (details.assignTo && attempt === 0) await this.mustBeBelow(current, details.assignTo);
      const cls = await this.classOfCase(current);
      const next = await this.withLimits(
        current,
        transition(current, action, user.username, this.deps.clock.now(), {
          ...details,
          role: actingRole(user, action),
        }),
        cls,
      );
      // Written only if the case is still at the version read; else read again (see above).
      if (await this.deps.cases.save(next, current)) return next;
    }
    throw new CaseConflictError({
      en: `case ${caseId} is changing too fast; try again`,
      zh: `案件 ${caseId} 正在被他人同时办理，请刷新后重试`,
    });
  }

  /** A case's class in its district's table: its own, else its category's. */
  private async classOfCase(c: Case): Promise<CaseClass> {
    const table = await this.config.classification(c.districtId);
    return (c.classId && classById(table, c.classId)) || classOf(table, c.category);
  }

  /** A unit a case may be dispatched to: a department or a street office of its district. */
  private async mustBeUnit(districtId: string, unitId: string): Promise<void> {
    const [departments, streets] = await Promise.all([
      this.deps.registry.listDepartments(districtId),
      this.deps.registry.listStreets(districtId),
    ]);
    const units = [...departments.map((d) => d.unitId), ...streets.map((s) => s.streetId)];
    if (!units.includes(unitId))
      throw new RequestRefusedError({
        en: `no unit "${unitId}" in ${districtId}: one of ${units.join(', ')}`,
        zh: `本辖区没有单位 ${unitId}，请从列表中选择部门或街道`,
      });
  }

  /** Where a case may be sent down to: a community of the case's street, or a grid of it. */
  private async mustBeBelow(c: Case, to: Assignment): Promise<void> {
    const grids = (await this.deps.registry.listGrids(c.districtId)).filter((g) => g.streetId === c.streetId);
    const ids = to.level === 'grid' ? grids.map((g) => g.gridId) : [...new Set(grids.map((g) => g.communityId))];
    if (!ids.includes(to.id))
      throw new RequestRefusedError({
        en: `no ${to.level} "${to.id}" in street ${c.streetId}, the case's: one of ${ids.sort().join(', ')}`,
        zh: `案件所在街道没有${to.level === 'grid' ? '网格' : '社区'} ${to.id}，请从本街道的列表中选择`,
      });
  }

  private async mustExist(media: readonly string[]): Promise<void> {
    for (const mediaId of new Set(media)) {
      const found = this.deps.media && (await this.deps.media.find(mediaId));
      if (!found)
        throw new RequestRefusedError({
          en: `no media "${mediaId}": upload it first (POST /media)`,
          zh: `照片 ${mediaId} 尚未上传完成，请重新上传`,
        });
      if ('refused' in found)
        throw new RequestRefusedError({
          en: `media "${mediaId}": ${found.refused.en}`,
          zh: found.refused.zh,
        });
    }
  }

  /**
   * Escalates every overdue working case of the districts, and marks the reports and the
   * resolved work past their intake's or inspector's deadline (`late`); returns the
   * escalated, the marked, and all working cases as they stand now.
   */
  async escalateOverdue(districtIds: string[]): Promise<{ escalated: Case[]; late: Case[]; working: Case[] }> {
    const escalated: Case[] = [];
    const working: Case[] = [];
    const late: Case[] = [];
    for (const districtId of districtIds) {
      for (const current of await this.deps.cases.listActive(districtId)) {
        if (!WORKING_STATUSES.includes(current.status)) {
          const marked = markLate(current, this.deps.clock.now());
          if (marked && (await this.deps.cases.save(marked, current))) {
            this.deps.metrics.count('StagesOverdue', 1, { stage: marked.late!.stage });
            late.push(marked);
          }
          continue;
        }
        const now = this.deps.clock.now();
        const next = now > current.dueAt ? escalate(current, now, await this.rungDeadline(current, now)) : undefined;
        if (next && (await this.deps.cases.save(next, current))) {
          this.deps.metrics.count('CasesEscalated', 1, { unit: next.leadUnit });
          escalated.push(next);
          working.push(next);
        } else working.push(current);
      }
    }
    return { escalated, late, working };
  }

  private readonly origins = new Map<string, Promise<CaseOrigin | undefined>>();

  /** Where a site's cases go: its grid's community and street, the grid's responsible person. */
  private origin(siteId: string): Promise<CaseOrigin | undefined> {
    let found = this.origins.get(siteId);
    if (!found) {
      found = (async () => {
        const site = await this.deps.registry.getSite(siteId);
        const place = site && (await this.deps.registry.getPlace(site.gridId));
        if (!site || !place) return undefined;
        return {
          districtId: site.districtId,
          siteId,
          location: siteLocation(site),
          place: { gridId: place.grid.gridId, communityId: place.grid.communityId, streetId: place.grid.streetId },
          assignee: place.grid.responsible,
        };
      })();
      this.origins.set(siteId, found);
      // Only a found origin is remembered: a missing or failed lookup is tried again next time.
      found.then((origin) => origin ?? this.origins.delete(siteId)).catch(() => this.origins.delete(siteId));
    }
    return found;
  }
}
