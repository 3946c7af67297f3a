import { z } from 'zod';
import { CASE_STATUSES, SEVERITIES } from '#shared/domain/cases';
import { CASE_CATEGORIES } from '#shared/domain/responsibility';

/** The case as downstream systems receive it. Contract names: add fields, never rename (so every object admits fields it does not name). */
const Evidence = z.looseObject({
  signalId: z.string().optional(),
  at: z.int().describe('epoch ms of the reading or check'),
  thing: z.string().optional(),
  summary: z.string(),
  data: z.record(z.string(), z.unknown()).optional(),
});

const HistoryEntry = z.looseObject({
  action: z
    .string()
    .describe('open, repeat, escalate, or a person’s action: dispatch, start, resolve, verify, close, reopen, void'),
  from: z.enum(CASE_STATUSES).nullable(),
  to: z.enum(CASE_STATUSES),
  actor: z.string().describe('who: a person’s id, `sensor:<thing>`, or `cityops`'),
  at: z.int(),
  note: z.string().optional(),
  evidence: Evidence.optional(),
});

export const CaseSchema = z.looseObject({
  caseId: z.string(),
  districtId: z.string(),
  category: z.enum(CASE_CATEGORIES),
  severity: z.enum(SEVERITIES),
  status: z.enum(CASE_STATUSES),
  siteId: z.string(),
  thing: z.string().optional().describe('the reporting device, if one'),
  zoneId: z.string().optional(),
  location: z.looseObject({ lat: z.number(), lon: z.number() }),
  gridId: z.string(),
  communityId: z.string(),
  streetId: z.string(),
  leadUnit: z.string(),
  coUnits: z.array(z.string()),
  assignee: z.looseObject({ name: z.string(), phone: z.string() }).describe('the grid’s responsible person'),
  openedAt: z.int(),
  dueAt: z.int(),
  occurrences: z.int().min(1),
  lastSeenAt: z.int(),
  escalationLevel: z.int().min(0),
  escalatedTo: z.string().optional(),
  summary: z.string(),
  evidence: z.array(Evidence),
  history: z.array(HistoryEntry),
  updatedAt: z.int(),
  version: z.int(),
});
