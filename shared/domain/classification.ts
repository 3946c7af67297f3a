import { z } from 'zod';
import { TimeLimits } from './time-limits.ts';
import { CASE_CATEGORIES, type CaseCategory } from './responsibility.ts';

/**
 * The standard classification of city-management problems (数字城管 部件/事件): each class
 * is a component (部件: a thing the city owns, such as a garbage room or a manhole cover)
 * or an event (事件: something that happens, such as exposed garbage or street trading),
 * with a major (大类) and a minor (小类) code and names in Chinese and English. The table
 * is part of a district's configuration, and so is what each class's warnings need before
 * they become a case (its registration rule) and when a report joins a working case (its
 * merge distance and time). See docs/intake.md.
 */

/** Where a problem was first seen (contract names: add, never rename). */
export const SOURCES = [
  'iot',
  'video',
  'inspector',
  'grid_worker',
  'public',
  'hotline_12345',
  'leader',
  'media',
] as const;
export type Source = (typeof SOURCES)[number];
/** Sources that are people: their reports are received and registered (or refused) by the intake clerk. */
export const PEOPLE_SOURCES = SOURCES.filter((s) => s !== 'iot' && s !== 'video') as Exclude<Source, 'iot' | 'video'>[];
export type PeopleSource = (typeof PEOPLE_SOURCES)[number];

/** 紧急 / 较急 / 一般. */
export const URGENCIES = ['urgent', 'pressing', 'normal'] as const satisfies readonly (keyof TimeLimits)[];
export type Urgency = (typeof URGENCIES)[number];

/**
 * What a sensor's or camera's warning (预警) needs before it is registered (立案):
 * - `auto`: nothing, it is a case at once (a fire);
 * - `confirm`: this many signals on it (another episode of the same device, another
 *   device, a camera), then it registers itself;
 * - `check`: an inspector's on-site check (核实) first;
 * - `decision`: a shift lead's decision (register or refuse).
 * People's reports always wait for the intake clerk.
 */
export const RegistrationRule = z.discriminatedUnion('rule', [
  z.strictObject({ rule: z.literal('auto') }),
  z.strictObject({ rule: z.literal('confirm'), signals: z.int().min(2).max(50) }),
  z.strictObject({ rule: z.literal('check') }),
  z.strictObject({ rule: z.literal('decision') }),
]);
export type RegistrationRule = z.infer<typeof RegistrationRule>;

const code = z.string().regex(/^[0-9]{2}$/, 'a two-digit code');
const name = z.string().min(1).max(100);
const Level = z.strictObject({ code, zh: name, en: name });

export const CaseClass = z.strictObject({
  classId: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'ids are lowercase letters, digits and dashes'),
  type: z.enum(['event', 'component']),
  major: Level,
  minor: Level,
  /** The categories it takes: detectors' and people's. A person's report of the class is filed under the first. */
  categories: z.array(z.enum(CASE_CATEGORIES)).min(1),
  registration: RegistrationRule.default({ rule: 'decision' }),
  /** A report of the class within this distance and time of an active case of the class joins it; 0 never merges. */
  merge: z
    .strictObject({
      distanceM: z.number().min(0).max(2000),
      withinMinutes: z
        .int()
        .min(0)
        .max(7 * 24 * 60),
    })
    .default({ distanceM: 0, withinMinutes: 0 }),
  urgency: z.enum(URGENCIES).default('normal'),
  /** This class's time limits, where they differ from the table's. */
  timeLimits: TimeLimits.optional(),
});
export type CaseClass = z.infer<typeof CaseClass>;

export const Classification = z
  .strictObject({
    /** True when the codes are placeholders in the standard's structure, not the national standard's. */
    sample: z.boolean().default(false),
    note: z.string().max(2000).optional(),
    /** Every class's time limits by urgency, in working hours (a class may have its own). Without: the categories' SLAs. */
    timeLimits: TimeLimits.optional(),
    classes: z.array(CaseClass).min(1).max(500),
  })
  .superRefine((table, ctx) => {
    const ids = new Set<string>();
    const codes = new Set<string>();
    const taken = new Map<string, string>();
    for (const c of table.classes) {
      if (ids.has(c.classId)) ctx.addIssue({ code: 'custom', message: `duplicate class id "${c.classId}"` });
      ids.add(c.classId);
      const full = classCode(c);
      if (codes.has(full)) ctx.addIssue({ code: 'custom', message: `duplicate class code "${full}"` });
      codes.add(full);
      for (const category of c.categories) {
        const other = taken.get(category);
        if (other)
          ctx.addIssue({ code: 'custom', message: `category "${category}" is in both "${other}" and "${c.classId}"` });
        taken.set(category, c.classId);
      }
    }
  });
export type Classification = z.infer<typeof Classification>;

/** The time limits of a class: its own, else the table's; none without either. */
export const limitsOf = (table: Classification | undefined, cls: CaseClass): TimeLimits | undefined =>
  cls.timeLimits ?? table?.timeLimits;

/** The class's full code: type (1 component, 2 event), major, minor, as the standard's tables write them. */
export const classCode = (c: Pick<CaseClass, 'type' | 'major' | 'minor'>) =>
  `${c.type === 'component' ? '1' : '2'}${c.major.code}${c.minor.code}`;

/**
 * The class of each category under a district's classification. A category the table
 * leaves out (or a district without a table) is a class of its own, registered at once
 * and never merged: how every case was made before classes.
 */
export function classOf(table: Classification | undefined, category: CaseCategory): CaseClass {
  const found = table?.classes.find((c) => c.categories.includes(category));
  return found ?? fallbackClass(category);
}

export function classById(table: Classification | undefined, classId: string): CaseClass | undefined {
  const found = table?.classes.find((c) => c.classId === classId);
  if (found) return found;
  const category = CASE_CATEGORIES.find((c) => c.replaceAll('_', '-') === classId);
  return category && !table?.classes.some((c) => c.categories.includes(category)) ? fallbackClass(category) : undefined;
}

const fallbackClass = (category: CaseCategory): CaseClass => ({
  classId: category.replaceAll('_', '-'),
  type: 'event',
  major: { code: '99', zh: '其他', en: 'Other' },
  minor: { code: '99', zh: category, en: category },
  categories: [category],
  registration: { rule: 'auto' },
  merge: { distanceM: 0, withinMinutes: 0 },
  urgency: 'normal',
});
