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

const DECIMAL = /^-?(?:0|[1-9]\d*)(?:\.\d+)?$/;
const WHOLE = /^(?:0|[1-9]\d*)$/;

/** A number from a JSON number or from text matching `pattern`; anything else is refused with `message`. */
const strictNumber = (pattern: RegExp, message: string) =>
  z.unknown().transform((value, ctx) => {
    if (typeof value === 'number') return value;
    if (typeof value === 'string' && pattern.test(value)) return Number(value);
    ctx.addIssue({ code: 'custom', message });
    return z.NEVER;
  });

/**
 * A number as a request carries it, strictly: a JSON number, or text that is a plain
 * decimal (`30.318`, `-1`): never hex (`0x1e`), an exponent, blanks, an empty value or a
 * list (a repeated query parameter, which API Gateway joins with commas), all of which
 * `Number()` would read as something.
 */
export const decimalParam = (name: string, bounds: z.ZodNumber = z.number()) =>
  strictNumber(DECIMAL, `${name} must be a decimal number, once (digits, a sign and a point)`).pipe(bounds.finite());

/** A count or page number: a JSON integer, or text of digits only. */
export const wholeParam = (name: string, bounds: z.ZodNumber = z.number()) =>
  strictNumber(WHOLE, `${name} must be a whole number, once (digits only)`).pipe(bounds.int());
