import type { Case, Signal } from '#shared/domain/case/model';
import type { CaseStatus } from '#shared/domain/case/statuses';
import type { CaseCategory } from '#shared/domain/responsibility';
import type { Page } from '../paging.ts';

export interface CaseFilter {
  districtId?: string;
  status?: CaseStatus;
  category?: CaseCategory;
  unit?: string;
  streetId?: string;
  communityId?: string;
  gridId?: string;
  /** Opened at or after (epoch ms). */
  since?: number;
  limit?: number;
  nextToken?: string;
}

/** The cases: the city's record of every problem and what was done about it. */
export interface CaseStore {
  /**
   * Creates the case and its (site, category) lock together; `exists` when an active case
   * holds the lock, or when a report's sender number (see `findByExternalId`) is taken.
   */
  create(c: Case): Promise<'created' | 'exists'>;
  /**
   * Writes a changed case if nobody changed it since `previous`: releases its locks when
   * it stops being active, and takes the lock of a (site, category) that newly joined it
   * (false when another active case holds that lock, or a new report's sender number is taken).
   */
  save(c: Case, previous: Case): Promise<boolean>;
  /**
   * The next serial of a district's local day (`YYYYMMDD`) for a case number: 1 for the
   * day's first, each call one more, never the same twice (an atomic counter).
   */
  nextSerial(districtId: string, day: string): Promise<number>;
  get(caseId: string): Promise<Case | undefined>;
  findActive(siteId: string, category: CaseCategory): Promise<Case | undefined>;
  /** The case holding the report the sender numbered so (a 12345 ticket), if one was taken. */
  findByExternalId(source: string, externalId: string): Promise<Case | undefined>;
  list(filter: CaseFilter): Promise<Page<Case>>;
  /** Active cases in these merge cells (see `shared/domain/merge-cells.ts`). */
  listNear(cells: string[]): Promise<Case[]>;
  /** A district's working cases (open, dispatched, in progress, reopened), earliest deadline first. */
  listWorking(districtId: string): Promise<Case[]>;
  /** A district's active cases: the working ones and the rest of the desk (in intake, waiting for verification, parked). */
  listActive(districtId: string): Promise<Case[]>;
  /** Every case of a district opened in [from, to), oldest first. */
  listOpened(districtId: string, from: number, to: number): Promise<Case[]>;
  /** Migration: gives cases stored by an earlier version their current index attributes (once). */
  reindex(): Promise<{ rewritten: number }>;
}

/** Where detector signals go: the case service. */
export interface SignalHandler {
  handle(signals: Signal[]): Promise<unknown[]>;
}
