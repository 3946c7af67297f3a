import { z } from 'zod';

/**
 * The composite score's figures (综合评分): each a share where more is better, weighed by
 * the district's configuration (`district.json` `assessment.weights`).
 * - `onTimeHandling`: handled on time / due (按时处置率)
 * - `onTimeClosure`: closed on time / due (按期结案率)
 * - `onTimeDispatch`: dispatched on time / dispatch due (按时派遣率: the office's, mostly)
 * - `noRework`: 1 − reworked / resolved (返工率's complement)
 * - `noOverdue`: 1 − overdue and not handled / due (超期未处置's complement)
 * - `noReturn`: 1 − returned / (due + returned) (回退's complement: a unit that sends back what is its own)
 */
export const SCORE_FIGURES = [
  'onTimeHandling',
  'onTimeClosure',
  'onTimeDispatch',
  'noRework',
  'noOverdue',
  'noReturn',
] as const;
export type ScoreFigure = (typeof SCORE_FIGURES)[number];

export const ScoreWeights = z
  .partialRecord(z.enum(SCORE_FIGURES), z.number().min(0).max(1000))
  .refine((w) => Object.values(w).some((v) => (v ?? 0) > 0), { message: 'at least one weight above 0' });
export type ScoreWeights = z.infer<typeof ScoreWeights>;

/** The weights without a district's own: handling on time counts most. */
export const DEFAULT_WEIGHTS: ScoreWeights = {
  onTimeHandling: 40,
  onTimeClosure: 30,
  noRework: 15,
  noOverdue: 15,
};
