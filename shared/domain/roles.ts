import type { Case, CaseAction } from './cases.ts';
import type { PeopleSource } from './classification.ts';

/**
 * Who may do what in the case cycle. Each person signs in; their roles (the operators'
 * user-pool groups in AWS, the users file locally) and, for a unit's handler, their unit
 * decide which actions the API lets them take. The actor in a case's history is always
 * the signed-in user.
 */
export const ROLES = [
  'intake_clerk',
  'shift_lead',
  'dispatcher',
  'handler',
  'inspector',
  'grid_worker',
  'leader',
  'admin',
] as const;
export type Role = (typeof ROLES)[number];

/** The roles as the district's people name them. */
export const ROLE_NAMES: Record<Role, { zh: string; en: string }> = {
  intake_clerk: { zh: '受理员', en: 'intake clerk' },
  shift_lead: { zh: '值班长', en: 'shift lead' },
  dispatcher: { zh: '派遣员', en: 'dispatcher' },
  handler: { zh: '处置人员', en: 'unit handler' },
  inspector: { zh: '监督员', en: 'inspector' },
  grid_worker: { zh: '网格员', en: 'grid worker' },
  leader: { zh: '领导', en: 'leader' },
  admin: { zh: '系统管理员', en: 'administrator' },
};

/** A signed-in person. */
export interface User {
  /** The sign-in name: what the history records as the actor. */
  username: string;
  name?: string;
  roles: Role[];
  /** A handler's unit (a department's or street office's id, as cases name their lead unit; a community's), a grid worker's grid. */
  unitId?: string;
}

/** The roles that may take each action (the supervising office's shift lead may take the intake's too). */
export const ACTION_ROLES: Record<CaseAction, readonly Role[]> = {
  check: ['intake_clerk', 'shift_lead'],
  register: ['intake_clerk', 'shift_lead'],
  refuse: ['intake_clerk', 'shift_lead'],
  dispatch: ['dispatcher', 'shift_lead'],
  start: ['handler', 'grid_worker'],
  resolve: ['handler', 'grid_worker'],
  verify: ['inspector'],
  reopen: ['inspector', 'shift_lead'],
  close: ['shift_lead'],
  void: ['shift_lead'],
  return: ['handler'],
  request_extension: ['handler'],
  approve_extension: ['shift_lead'],
  reject_extension: ['shift_lead'],
  park: ['shift_lead'],
  unpark: ['shift_lead'],
  dispatch_down: ['dispatcher', 'shift_lead', 'handler'],
  inspect: ['inspector'],
  supervise: ['leader', 'shift_lead'],
};

/**
 * Actions a unit's handler (or a grid worker) takes only on the cases of their unit: the
 * lead unit, a co-operating one, or the community or grid the case was sent down to.
 */
const UNIT_ACTIONS: readonly CaseAction[] = ['start', 'resolve', 'return', 'request_extension', 'dispatch_down'];
/** The roles that act for a unit (a handler's unit, a grid worker's grid or community). */
const UNIT_ROLES: readonly Role[] = ['handler', 'grid_worker'];

/** The units a case is with: its lead unit, its co-operating units, and where it was sent down to. */
export const caseUnits = (c: Pick<Case, 'leadUnit' | 'coUnits' | 'assignedTo'>): string[] => [
  c.leadUnit,
  ...c.coUnits,
  ...(c.assignedTo ? [c.assignedTo.id] : []),
];

/** Roles as a refusal names them: `受理员 (intake_clerk), 值班长 (shift_lead)`. */
const inWords = (roles: readonly Role[]) => roles.map((r) => `${ROLE_NAMES[r].zh} (${r})`).join(', ');

/** Why a user may not take an action on a case, in words; undefined when they may. */
export function refusalOf(
  user: User,
  action: CaseAction,
  c: Pick<Case, 'leadUnit' | 'coUnits' | 'assignedTo'>,
): string | undefined {
  const allowed = ACTION_ROLES[action];
  const held = user.roles.filter((r) => allowed.includes(r));
  if (held.length === 0)
    return `${action} is for ${inWords(allowed)}; ${user.username} is ${user.roles.length ? inWords(user.roles) : 'in no role'}`;
  if (UNIT_ACTIONS.includes(action) && held.every((r) => UNIT_ROLES.includes(r))) {
    if (!user.unitId) return `${action} is for the case's units' handlers; ${user.username} is a handler of no unit`;
    if (!caseUnits(c).includes(user.unitId))
      return `${action} is for the handlers of ${caseUnits(c).join(', ')}; ${user.username} handles for ${user.unitId}`;
  }
  return undefined;
}

/** The role a user takes an action in: the first of theirs that may take it. */
export const actingRole = (user: User, action: CaseAction): Role | undefined =>
  user.roles.find((r) => ACTION_ROLES[action].includes(r));

/**
 * Reports whose source is a member of staff (an inspector's, a grid worker's, a leader's)
 * are theirs to send, signed in: the reporter is the signed-in user, so the assessment's
 * per-inspector figures count what each of them really reported.
 */
export const REPORTING_ROLES: Partial<Record<PeopleSource, Role>> = {
  inspector: 'inspector',
  grid_worker: 'grid_worker',
  leader: 'leader',
};

/** Why a user may not send a report of this source, in words; undefined when they may (or anyone may). */
export function reportRefusal(user: User, source: PeopleSource): string | undefined {
  const role = REPORTING_ROLES[source];
  if (!role || user.roles.includes(role)) return undefined;
  return `a report from source ${source} is for ${inWords([role])}; ${user.username} is ${
    user.roles.length ? inWords(user.roles) : 'in no role'
  }`;
}
