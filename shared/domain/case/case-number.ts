import { localTimeParts } from '../local-time.ts';

/**
 * Case numbers (案件编号) as a district centre reads them: the local date the case came in,
 * `YYYYMMDD` in the district's time zone, then its serial of that district and day, from
 * 0001 (`202612080001`). A day past 9,999 cases runs to five digits. The internal id
 * (`caseId`) stays the key of the case for the API and the tables.
 */
export const CASE_NUMBER_DIGITS = 4;

/** The local day of a moment in a time zone, as a case number starts: `YYYYMMDD`. */
export function caseNumberDay(at: number, timeZone: string): string {
  return localTimeParts(at, timeZone).date.replaceAll('-', '');
}

/** A case number: the day's `YYYYMMDD` and its serial (1 and up), zero-padded to four digits. */
export function formatCaseNumber(day: string, serial: number): string {
  if (!/^\d{8}$/.test(day)) throw new Error(`a case number's day is YYYYMMDD, not "${day}"`);
  if (!Number.isSafeInteger(serial) || serial < 1)
    throw new Error(`a case number's serial is 1 or more, not ${serial}`);
  return `${day}${String(serial).padStart(CASE_NUMBER_DIGITS, '0')}`;
}

/** What the page shows for a case: its number, or its id for a case stored before it had one. */
export const caseLabel = (c: { caseId: string; caseNumber?: string }): string => c.caseNumber ?? c.caseId;
