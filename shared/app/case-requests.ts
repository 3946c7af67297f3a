import { z } from 'zod';
import { CASE_ACTIONS, CASE_STATUSES } from '#shared/domain/cases';
import { CASE_CATEGORIES } from '#shared/domain/responsibility';
import type { CaseFilter } from './ports/cases.ts';
import { timeParam } from './request-params.ts';

/** `GET /cases` query parameters. `since` takes epoch ms or an ISO time. */
export const CaseQuery = z.strictObject({
  status: z.enum(CASE_STATUSES).optional(),
  category: z.enum(CASE_CATEGORIES).optional(),
  unit: z.string().min(1).max(100).optional(),
  streetId: z.string().min(1).max(100).optional(),
  communityId: z.string().min(1).max(100).optional(),
  gridId: z.string().min(1).max(100).optional(),
  districtId: z.string().min(1).max(100).optional(),
  since: timeParam('since').optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  nextToken: z.string().max(2000).optional(),
});

/** `POST /cases/{caseId}/transitions` body. */
export const TransitionRequest = z.strictObject({
  action: z.enum(CASE_ACTIONS),
  actor: z.string().trim().min(1, 'actor is required: who takes the action').max(200),
  note: z.string().max(2000).optional(),
});
export type TransitionRequest = z.infer<typeof TransitionRequest>;

export type CaseQuery = z.infer<typeof CaseQuery> & CaseFilter;
