import { z } from 'zod';
import { ROLES } from '#shared/domain/case/actors';
import { CASE_STATUSES, LATE_STAGES, REFUSAL_REASONS, SEVERITIES } from '#shared/domain/case/statuses';
import { SOURCES, URGENCIES } from '#shared/domain/classification';
import { CASE_CATEGORIES } from '#shared/domain/responsibility';

/** The case as downstream systems receive it. Contract names: add fields, never rename (so every object admits fields it does not name). */
const Evidence = z.looseObject({
  signalId: z.string().optional(),
  at: z.int().describe('epoch ms of the reading or check'),
  thing: z.string().optional(),
  summary: z.string(),
  data: z.record(z.string(), z.unknown()).optional(),
});

const LatLon = z.looseObject({ lat: z.number(), lon: z.number() });
const Assignment = z.looseObject({ level: z.enum(['community', 'grid']), id: z.string() });

const HistoryEntry = z.looseObject({
  action: z
    .string()
    .describe(
      'open, repeat, escalate, merge, overdue (a stage past its deadline), or a person’s action: check, ' +
        'register, refuse, dispatch, start, resolve, verify, close, reopen, void, return, request_extension, ' +
        'approve_extension, reject_extension, park, unpark, dispatch_down, inspect, supervise',
    ),
  from: z.enum(CASE_STATUSES).nullable(),
  to: z.enum(CASE_STATUSES),
  actor: z.string().describe('who: the signed-in user’s name, `sensor:<thing>`, a reporter, or `cityops`'),
  role: z.enum(ROLES).optional().describe('the role the signed-in actor took the action in'),
  at: z.int(),
  note: z.string().optional(),
  evidence: Evidence.optional(),
  reason: z.enum(REFUSAL_REASONS).optional().describe('a refusal’s reason'),
  reportId: z.string().optional().describe('the report that joined, for a merge'),
  media: z.array(z.string()).optional().describe('media ids attached to the action (a photo of the work done)'),
  unitId: z
    .string()
    .optional()
    .describe(
      'the unit a dispatch named (the case’s lead unit from then on); for a return, an extension or a ' +
        'parking, the unit whose case it was; for an escalation, the unit it went up to',
    ),
  until: z.int().optional().describe('the deadline an extension request asked for'),
  reviewAt: z.int().optional().describe('a parking’s review date'),
  assignedTo: Assignment.optional().describe('a dispatch down’s community or grid'),
  outcome: z.enum(['pass', 'fail']).optional().describe('an inspection’s outcome'),
  position: LatLon.optional().describe('where the inspector stood'),
  distanceM: z.number().optional().describe('how far that was from the case, in metres'),
});

const PersonReport = z.looseObject({
  reportId: z.string(),
  source: z.enum(SOURCES),
  category: z.enum(CASE_CATEGORIES),
  at: z.int(),
  lastAt: z.int(),
  count: z.int().min(1).describe('signals counted on it (a device’s); 1 for a person’s report'),
  text: z.string(),
  location: z.looseObject({ lat: z.number(), lon: z.number() }),
  address: z.string().optional(),
  siteId: z.string().optional(),
  thing: z.string().optional(),
  reporter: z
    .looseObject({ name: z.string().optional(), phone: z.string().optional(), id: z.string().optional() })
    .optional(),
  media: z.array(z.string()).describe('media ids'),
  externalId: z.string().optional().describe('the sender’s own number for the report (a 12345 ticket number)'),
});

export const CaseSchema = z.looseObject({
  caseId: z.string(),
  caseNumber: z
    .string()
    .regex(/^\d{12,}$/)
    .optional()
    .describe(
      'the case number people read (案件编号): YYYYMMDD in the district’s time zone and the serial of that ' +
        'district and day from 0001, e.g. 202612080001; absent on cases opened before numbers were given',
    ),
  districtId: z.string(),
  category: z.enum(CASE_CATEGORIES),
  classId: z.string().optional().describe('the standard class (the district’s classification table)'),
  classCode: z.string().optional().describe('the class’s full code: type (1 component, 2 event), major, minor'),
  componentId: z.string().optional().describe('for a component class: the component’s id'),
  source: z.enum(SOURCES).optional().describe('the first report’s source'),
  urgency: z.enum(URGENCIES).optional(),
  reports: z.array(PersonReport).optional().describe('every report that joined the case, the first one first'),
  registeredAt: z.int().optional().describe('when it was registered (立案)'),
  refusal: z
    .looseObject({ reason: z.enum(REFUSAL_REASONS), note: z.string().optional(), at: z.int(), actor: z.string() })
    .optional(),
  joined: z.array(z.looseObject({ siteId: z.string(), category: z.enum(CASE_CATEGORIES) })).optional(),
  mergeCell: z.string().optional(),
  severity: z.enum(SEVERITIES),
  status: z.enum(CASE_STATUSES),
  siteId: z.string().describe('the site a device watches, or a person’s report’s component; empty when none'),
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
  unitDueAt: z
    .int()
    .optional()
    .describe(
      'the unit’s deadline by the time limits, moved by an approved extension and a parked period (escalation moves only `dueAt`)',
    ),
  late: z
    .looseObject({ stage: z.enum(LATE_STAGES), since: z.int() })
    .optional()
    .describe(
      'a stage passed its deadline before it was done: the intake’s (register), the inspector’s ' +
        '(verify) or a parked case’s review (review); since when',
    ),
  registerBy: z.int().optional().describe('the intake’s deadline to register it (立案), by the time limits'),
  verifyBy: z
    .int()
    .optional()
    .describe('the inspector’s deadline to check the work (核查), set at its latest resolution'),
  assignedTo: Assignment.extend({ at: z.int(), by: z.string() })
    .optional()
    .describe('the community or grid the unit sent the case down to (二级派遣)'),
  supervision: z
    .looseObject({
      count: z.int().min(1),
      at: z.int(),
      by: z.string(),
      level: z.enum(['leader', 'office']),
      note: z.string(),
    })
    .optional()
    .describe('supervision notices (督办): how many, and the latest'),
  extension: z
    .looseObject({
      until: z.int().describe('the deadline asked for'),
      reason: z.string(),
      requestedBy: z.string(),
      requestedAt: z.int(),
      state: z.enum(['requested', 'approved', 'rejected']),
      decidedBy: z.string().optional(),
      decidedAt: z.int().optional(),
      note: z.string().optional(),
    })
    .optional()
    .describe('the latest request for more time (延期) and its decision'),
  parked: z
    .looseObject({
      from: z.enum(CASE_STATUSES),
      at: z.int(),
      reviewAt: z.int(),
      reason: z.string(),
      by: z.string(),
    })
    .optional()
    .describe('while parked (挂账): the status it was in, since when, why, and when it is reviewed'),
  summary: z.string(),
  evidence: z.array(Evidence),
  history: z.array(HistoryEntry),
  updatedAt: z.int(),
  version: z.int(),
});
