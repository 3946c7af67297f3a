import { z } from 'zod';

/** A query parameter that is a point in time: epoch milliseconds or an ISO time. */
export const timeParam = (name: string) =>
  z.string().transform((v, ctx) => {
    const t = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
    if (Number.isNaN(t)) {
      ctx.addIssue({ code: 'custom', message: `${name} must be epoch milliseconds or an ISO time` });
      return z.NEVER;
    }
    return t;
  });
