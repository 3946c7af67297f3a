import type { DeviceFault, MaintenanceTicket, TicketStatus } from '#shared/domain/maintenance';
import type { Page } from '../paging.ts';

export interface TicketListing {
  districtId: string;
  status?: TicketStatus;
  operator?: string;
  fault?: DeviceFault;
  thing?: string;
  limit?: number;
  nextToken?: string;
}

/** The device operators' maintenance tickets: a device's faults and what was done about them. */
export interface TicketStore {
  /** Creates the ticket and its (device, fault) lock together; `exists` when an open ticket holds the lock. */
  create(t: MaintenanceTicket): Promise<'created' | 'exists'>;
  /** Writes a changed ticket if nobody changed it since `previous`; releases the lock when it closes. */
  save(t: MaintenanceTicket, previous: MaintenanceTicket): Promise<boolean>;
  get(ticketId: string): Promise<MaintenanceTicket | undefined>;
  findOpen(thing: string, fault: DeviceFault): Promise<MaintenanceTicket | undefined>;
  /** A district's tickets, newest first, paged. */
  list(listing: TicketListing): Promise<Page<MaintenanceTicket>>;
  /** A district's tickets opened in [from, to), oldest first. */
  listOpened(districtId: string, from: number, to: number): Promise<MaintenanceTicket[]>;
}
