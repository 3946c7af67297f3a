import type { Evidence, Signal } from './case/model.ts';
import type { DeviceKind } from './device-kinds.ts';
import type { Role } from './case/actors.ts';
import type { CaseCategory } from './responsibility.ts';

/**
 * Maintenance tickets: a device's own faults (a low battery, a stuck sensor, a device gone
 * silent) are work for the device operator, not problems of the street. They go to the
 * operator's ticket list with a cycle of their own, and never into the units' cases or
 * their assessment:
 *
 *   open → acknowledged → fixed        (the operator's people)
 *   open | acknowledged → cleared      (the device shows the fault gone: it reports again, its battery is changed)
 *
 * A ticket is the (device, fault)'s one open ticket while it is open or acknowledged: the
 * fault again bumps it. Fixed and cleared tickets are done; the fault coming back opens a
 * new one.
 */
export const DEVICE_FAULTS = ['device_low_battery', 'sensor_stuck', 'device_offline'] as const;
export type DeviceFault = (typeof DEVICE_FAULTS)[number];
export const isDeviceFault = (category: CaseCategory): category is DeviceFault =>
  (DEVICE_FAULTS as readonly string[]).includes(category);

export const TICKET_STATUSES = ['open', 'acknowledged', 'fixed', 'cleared'] as const;
export type TicketStatus = (typeof TICKET_STATUSES)[number];
export const OPEN_TICKET_STATUSES: readonly TicketStatus[] = ['open', 'acknowledged'];

export const TICKET_ACTIONS = ['acknowledge', 'fix'] as const;
export type TicketAction = (typeof TICKET_ACTIONS)[number];
const TICKET_TRANSITIONS: Record<TicketAction, { from: readonly TicketStatus[]; to: TicketStatus }> = {
  acknowledge: { from: ['open'], to: 'acknowledged' },
  fix: { from: ['open', 'acknowledged'], to: 'fixed' },
};

/** Who runs a device that names no unit: the City Management Office's platform team. */
export const DEFAULT_OPERATOR = 'city-management-office';

/**
 * Who takes an action on a ticket: a signed-in person (`actor` their sign-in name, `role` the
 * role they act in), or a city system through the IAM-signed route (`actor` is
 * `system:<name>`; `caller` the IAM principal that signed the request, where the gateway
 * says).
 */
export interface TicketActor {
  actor: string;
  role?: Role;
  caller?: string;
}

export interface TicketEntry extends TicketActor {
  action: TicketAction | 'open' | 'repeat' | 'clear';
  from: TicketStatus | null;
  to: TicketStatus;
  at: number;
  note?: string;
  evidence?: Evidence;
}

export interface MaintenanceTicket {
  ticketId: string;
  districtId: string;
  thing: string;
  kind: DeviceKind;
  siteId: string;
  fault: DeviceFault;
  /** The unit that operates the device. */
  operator: string;
  status: TicketStatus;
  openedAt: number;
  lastSeenAt: number;
  occurrences: number;
  summary: string;
  /** The newest signals (at most {@link MAX_TICKET_EVIDENCE}). */
  evidence: Evidence[];
  history: TicketEntry[];
  /** When it stopped being open: fixed or cleared. */
  closedAt?: number;
  updatedAt: number;
  version: number;
}

export const MAX_TICKET_EVIDENCE = 10;

export class IllegalTicketTransitionError extends Error {
  constructor(action: TicketAction, status: TicketStatus) {
    super(`cannot ${action} a ticket that is ${status} (allowed from: ${TICKET_TRANSITIONS[action].from.join(', ')})`);
  }
}

const actorOf = (signal: Signal) => (signal.thing ? `sensor:${signal.thing}` : 'cityops');

export function openTicket(
  ticketId: string,
  signal: Signal & { category: DeviceFault },
  device: { thing: string; kind: DeviceKind; districtId: string; siteId: string; unitId?: string },
  now: number,
): MaintenanceTicket {
  return {
    ticketId,
    districtId: device.districtId,
    thing: device.thing,
    kind: device.kind,
    siteId: device.siteId,
    fault: signal.category,
    operator: device.unitId ?? DEFAULT_OPERATOR,
    status: 'open',
    openedAt: now,
    lastSeenAt: signal.evidence.at,
    occurrences: 1,
    summary: signal.evidence.summary,
    evidence: [signal.evidence],
    history: [{ action: 'open', from: null, to: 'open', actor: actorOf(signal), at: now, evidence: signal.evidence }],
    updatedAt: now,
    version: 1,
  };
}

/** The fault again while the ticket is open: counted once per signal. */
export function repeatFault(t: MaintenanceTicket, signal: Signal, now: number): MaintenanceTicket | undefined {
  const id = signal.evidence.signalId;
  if (id && t.evidence.some((e) => e.signalId === id)) return undefined;
  return {
    ...t,
    occurrences: t.occurrences + 1,
    lastSeenAt: Math.max(t.lastSeenAt, signal.evidence.at),
    evidence: [...t.evidence, signal.evidence].slice(-MAX_TICKET_EVIDENCE),
    updatedAt: now,
    version: t.version + 1,
  };
}

/** The device shows the fault gone: an open ticket is cleared. */
export function clearFault(t: MaintenanceTicket, signal: Signal, now: number): MaintenanceTicket | undefined {
  if (!OPEN_TICKET_STATUSES.includes(t.status)) return undefined;
  return {
    ...t,
    status: 'cleared',
    closedAt: now,
    evidence: [...t.evidence, signal.evidence].slice(-MAX_TICKET_EVIDENCE),
    history: [
      ...t.history,
      { action: 'clear', from: t.status, to: 'cleared', actor: actorOf(signal), at: now, evidence: signal.evidence },
    ],
    updatedAt: now,
    version: t.version + 1,
  };
}

/** A person's (or a city system's) action on a ticket. */
export function actOnTicket(
  t: MaintenanceTicket,
  action: TicketAction,
  by: TicketActor,
  now: number,
  note?: string,
): MaintenanceTicket {
  const rule = TICKET_TRANSITIONS[action];
  if (!rule.from.includes(t.status)) throw new IllegalTicketTransitionError(action, t.status);
  return {
    ...t,
    status: rule.to,
    ...(OPEN_TICKET_STATUSES.includes(rule.to) ? {} : { closedAt: now }),
    history: [...t.history, { action, from: t.status, to: rule.to, ...by, at: now, ...(note ? { note } : {}) }],
    updatedAt: now,
    version: t.version + 1,
  };
}

/** The stretches a device was out (its offline tickets open), for availability. */
export const outageOf = (t: MaintenanceTicket, cutoff: number) => ({
  thing: t.thing,
  from: t.openedAt,
  to: Math.min(t.closedAt ?? cutoff, cutoff),
});
