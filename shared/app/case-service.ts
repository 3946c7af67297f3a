import {
  escalate,
  openCase,
  repeatAnomaly,
  resolveBySensor,
  signalId,
  transition,
  type Case,
  type CaseAction,
  type CaseOrigin,
  type Signal,
} from '#shared/domain/cases';
import { siteLocation } from '#shared/domain/city-model';
import type { Clock } from '#shared/domain/clock';
import type { CaseStore } from './ports/cases.ts';
import type { Log, Metrics } from './ports/observability.ts';
import type { Registry } from './ports/registry.ts';

export interface CaseServiceDeps {
  cases: CaseStore;
  registry: Pick<Registry, 'getSite' | 'getPlace'>;
  clock: Clock;
  newId: () => string;
  log: Log;
  /** Counts `CasesOpened` by category and `CasesEscalated` by lead unit. */
  metrics: Pick<Metrics, 'count'>;
}

export type CaseOutcome =
  | { outcome: 'opened' | 'repeated' | 'resolved' | 'escalated'; case: Case }
  | { outcome: 'ignored'; reason: string };

export class CaseNotFoundError extends Error {}
export class CaseConflictError extends Error {}

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
  constructor(private readonly deps: CaseServiceDeps) {}

  async handle(signals: Signal[]): Promise<CaseOutcome[]> {
    const outcomes: CaseOutcome[] = [];
    for (const given of signals) {
      // Every signal carries its id, so the same signal handled twice counts once.
      const signal = given.evidence.signalId
        ? given
        : { ...given, evidence: { ...given.evidence, signalId: signalId(given) } };
      outcomes.push(signal.kind === 'anomaly' ? await this.raise(signal) : await this.clear(signal));
    }
    return outcomes;
  }

  private async raise(signal: Signal): Promise<CaseOutcome> {
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      await pause(attempt);
      const now = this.deps.clock.now();
      const active = await this.deps.cases.findActive(signal.siteId, signal.category);
      if (active) {
        const repeated = repeatAnomaly(active, signal, now);
        if (!repeated) return { outcome: 'ignored', reason: `signal already counted on case ${active.caseId}` };
        if (await this.deps.cases.save(repeated, active)) return { outcome: 'repeated', case: repeated };
        continue;
      }
      const origin = await this.origin(signal.siteId);
      if (!origin) return { outcome: 'ignored', reason: `site ${signal.siteId} or its grid is not in the registry` };
      const opened = openCase(this.deps.newId(), signal, origin, now);
      if ((await this.deps.cases.create(opened)) === 'created') {
        this.deps.metrics.count('CasesOpened', 1, { category: opened.category });
        return { outcome: 'opened', case: opened };
      }
    }
    throw new CaseConflictError(`could not record ${signal.category} at ${signal.siteId}: too many concurrent changes`);
  }

  private async clear(signal: Signal): Promise<CaseOutcome> {
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      await pause(attempt);
      const active = await this.deps.cases.findActive(signal.siteId, signal.category);
      if (!active) return { outcome: 'ignored', reason: 'no active case' };
      const resolved = resolveBySensor(active, signal, this.deps.clock.now());
      if (!resolved) return { outcome: 'ignored', reason: `case ${active.caseId} is ${active.status}` };
      if (await this.deps.cases.save(resolved, active)) return { outcome: 'resolved', case: resolved };
    }
    throw new CaseConflictError(
      `could not resolve ${signal.category} at ${signal.siteId}: too many concurrent changes`,
    );
  }

  /** A person's action on a case; throws {@link CaseNotFoundError}, or the domain's IllegalTransitionError. */
  async act(caseId: string, action: CaseAction, actor: string, note?: string): Promise<Case> {
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      await pause(attempt);
      const current = await this.deps.cases.get(caseId);
      if (!current) throw new CaseNotFoundError(`no case "${caseId}"`);
      const next = transition(current, action, actor, this.deps.clock.now(), note);
      if (await this.deps.cases.save(next, current)) return next;
    }
    throw new CaseConflictError(`case ${caseId} is changing too fast; try again`);
  }

  /** Escalates every overdue working case of the districts; returns those and all working cases as they stand now. */
  async escalateOverdue(districtIds: string[]): Promise<{ escalated: Case[]; working: Case[] }> {
    const escalated: Case[] = [];
    const working: Case[] = [];
    for (const districtId of districtIds) {
      for (const current of await this.deps.cases.listWorking(districtId)) {
        const next = escalate(current, this.deps.clock.now());
        if (next && (await this.deps.cases.save(next, current))) {
          this.deps.metrics.count('CasesEscalated', 1, { unit: next.leadUnit });
          escalated.push(next);
          working.push(next);
        } else working.push(current);
      }
    }
    return { escalated, working };
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
