import type { Clock } from '#shared/domain/clock';
import type { Signal } from '#shared/domain/case/model';
import {
  actOnTicket,
  clearFault,
  openTicket,
  repeatFault,
  type DeviceFault,
  type MaintenanceTicket,
  type TicketAction,
  type TicketActor,
} from '#shared/domain/maintenance';
import { WordedError } from '#shared/domain/labels';
import type { User } from '#shared/domain/case/actors';
import { ticketRole } from '#shared/domain/roles';
import type { Metrics } from './ports/observability.ts';
import type { Registry } from './ports/registry.ts';
import type { TicketStore } from './ports/tickets.ts';
import { unitNames } from './unit-names.ts';

export interface MaintenanceDeps {
  tickets: TicketStore;
  /** The device of a fault; the district's units, to name them in a refusal. */
  registry: Pick<Registry, 'getDevice' | 'listDepartments' | 'listStreets' | 'listCommunities' | 'listGrids'>;
  clock: Clock;
  newId: () => string;
  metrics: Pick<Metrics, 'count'>;
}

export type TicketOutcome =
  | { outcome: 'ticket_opened' | 'ticket_repeated' | 'ticket_cleared'; ticket: MaintenanceTicket }
  | { outcome: 'ignored'; reason: string };

export class TicketNotFoundError extends Error {}
export class TicketConflictError extends Error {}
/** The signed-in user may not take the action on the ticket (their roles, or their unit): a 403, with the reason. */
export class TicketForbiddenError extends WordedError {}

/**
 * Who acts: a signed-in person (their roles and unit decide, see `TICKET_ROLES`), or a city
 * system through the IAM-signed route (`system`: its name; `caller`: the principal that
 * signed the request, where the gateway says).
 */
export type TicketActorRequest = { user: User } | { system: string; caller?: string };

const ATTEMPTS = 12;
const pause = (attempt: number) =>
  attempt === 0
    ? undefined
    : new Promise((resolve) => setTimeout(resolve, Math.min(250, 5 * 2 ** attempt) * (0.5 + Math.random())));

/**
 * The device operators' maintenance: a device's fault signals open, count and clear its
 * tickets (one open ticket per device and fault), and the operator's people acknowledge and
 * fix them. Every write is conditional, as the case service's.
 */
export class MaintenanceService {
  constructor(private readonly deps: MaintenanceDeps) {}

  async handle(signal: Signal & { category: DeviceFault }): Promise<TicketOutcome> {
    const thing = signal.thing;
    if (!thing) return { outcome: 'ignored', reason: `a ${signal.category} signal names no device` };
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      await pause(attempt);
      const now = this.deps.clock.now();
      const open = await this.deps.tickets.findOpen(thing, signal.category);
      if (signal.kind === 'clear') {
        const cleared = open && clearFault(open, signal, now);
        if (!cleared) return { outcome: 'ignored', reason: 'no open ticket' };
        if (await this.deps.tickets.save(cleared, open)) return { outcome: 'ticket_cleared', ticket: cleared };
        continue;
      }
      if (open) {
        const repeated = repeatFault(open, signal, now);
        if (!repeated) return { outcome: 'ignored', reason: `signal already counted on ticket ${open.ticketId}` };
        if (await this.deps.tickets.save(repeated, open)) return { outcome: 'ticket_repeated', ticket: repeated };
        continue;
      }
      const device = await this.deps.registry.getDevice(thing);
      if (!device) return { outcome: 'ignored', reason: `device ${thing} is not in the registry` };
      const opened = openTicket(`tk-${this.deps.newId()}`, signal, device, now);
      if ((await this.deps.tickets.create(opened)) === 'created') {
        this.deps.metrics.count('TicketsOpened', 1, { fault: opened.fault });
        return { outcome: 'ticket_opened', ticket: opened };
      }
    }
    throw new TicketConflictError(`could not record ${signal.category} of ${thing}: too many concurrent changes`);
  }

  /**
   * A person's or a city system's action on a ticket; throws {@link TicketNotFoundError},
   * {@link TicketForbiddenError} (a person whose roles or unit may not), or the domain's
   * IllegalTicketTransitionError. The role is checked before the cycle, as a case's.
   */
  async act(ticketId: string, action: TicketAction, by: TicketActorRequest, note?: string): Promise<MaintenanceTicket> {
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      await pause(attempt);
      const current = await this.deps.tickets.get(ticketId);
      if (!current) throw new TicketNotFoundError(`no ticket "${ticketId}"`);
      let actor: TicketActor;
      if ('user' in by) {
        const decided = ticketRole(by.user, action, current);
        if ('refusal' in decided) {
          const names = await unitNames(this.deps.registry, current.districtId);
          const words = ticketRole(by.user, action, current, (id) => names.get(id) ?? id);
          throw new TicketForbiddenError('refusal' in words ? words.refusal : decided.refusal);
        }
        actor = { actor: by.user.username, role: decided.role };
      } else actor = { actor: by.system, ...(by.caller ? { caller: by.caller } : {}) };
      const next = actOnTicket(current, action, actor, this.deps.clock.now(), note);
      if (await this.deps.tickets.save(next, current)) return next;
    }
    throw new TicketConflictError(`ticket ${ticketId} is changing too fast; try again`);
  }
}
