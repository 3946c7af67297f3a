import type { Role, User } from './case/actors.ts';
import type { Case } from './case/model.ts';
import type { CaseAction } from './case/statuses.ts';
import type { PeopleSource } from './classification.ts';
import { ACTION_NAMES, type Names, ROLE_NAMES, SOURCE_NAMES, TICKET_ACTION_NAMES } from './labels.ts';
import type { MaintenanceTicket, TicketAction } from './maintenance.ts';

/**
 * Who may do what in the case cycle. Each person signs in; their roles (the operators'
 * user-pool groups in AWS, the users file locally) and, for a unit's handler, their unit
 * decide which actions the API lets them take. The actor in a case's history is always
 * the signed-in user (the roles: case/actors.ts).
 */

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

/** Roles as a refusal names them: `受理员 (intake_clerk), 值班长 (shift_lead)` in English, `受理员、值班长` in Chinese. */
const rolesInWords = (roles: readonly Role[]): Names => ({
  en: roles.map((r) => `${ROLE_NAMES[r].zh} (${r})`).join(', '),
  zh: roles.map((r) => ROLE_NAMES[r].zh).join('、'),
});

/** Who a user is, as a refusal ends: `wang is 受理员 (intake_clerk)`, `wang 是受理员`. */
const whoIs = (user: User): Names => {
  if (!user.roles.length) return { en: `${user.username} is in no role`, zh: `${user.username} 未分配角色` };
  const roles = rolesInWords(user.roles);
  return { en: `${user.username} is ${roles.en}`, zh: `${user.username} 是${roles.zh}` };
};

/**
 * Why a user may not take an action on a case, in both languages; undefined when they may.
 * `unitName` names a unit in Chinese (its local name; the id where it has none): units by id
 * in English.
 */
export function refusalOf(
  user: User,
  action: CaseAction,
  c: Pick<Case, 'leadUnit' | 'coUnits' | 'assignedTo'>,
  unitName: (unitId: string) => string = (unitId) => unitId,
): Names | undefined {
  const allowed = ACTION_ROLES[action];
  const held = user.roles.filter((r) => allowed.includes(r));
  const act = ACTION_NAMES[action].zh;
  if (held.length === 0) {
    const may = rolesInWords(allowed);
    const who = whoIs(user);
    return { en: `${action} is for ${may.en}; ${who.en}`, zh: `「${act}」由${may.zh}办理；${who.zh}` };
  }
  if (UNIT_ACTIONS.includes(action) && held.every((r) => UNIT_ROLES.includes(r))) {
    if (!user.unitId)
      return {
        en: `${action} is for the case's units' handlers; ${user.username} is a handler of no unit`,
        zh: `「${act}」由案件所在单位的人员办理；${user.username} 不属于任何单位`,
      };
    if (!caseUnits(c).includes(user.unitId))
      return {
        en: `${action} is for the handlers of ${caseUnits(c).join(', ')}; ${user.username} handles for ${user.unitId}`,
        zh: `「${act}」由案件所在单位（${caseUnits(c).map(unitName).join('、')}）办理；${user.username} 属于${unitName(user.unitId)}，不是本案的单位`,
      };
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

/** Why a user may not send a report of this source, in both languages; undefined when they may (or anyone may). */
export function reportRefusal(user: User, source: PeopleSource): Names | undefined {
  const role = REPORTING_ROLES[source];
  if (!role || user.roles.includes(role)) return undefined;
  const may = rolesInWords([role]);
  const who = whoIs(user);
  return {
    en: `a report from source ${source} is for ${may.en}; ${who.en}`,
    zh: `「${SOURCE_NAMES[source].zh}」的案件须由${may.zh}本人登录上报；${who.zh}`,
  };
}

/**
 * Who acts on a device's maintenance ticket (acknowledges it, reports it fixed): the
 * handlers of the unit that operates the device (the ticket's `operator`), and the shift
 * lead, whose City Management Office runs the platform and the devices that name no unit.
 * Everyone else reads tickets only; city systems act through the IAM-signed route, as
 * `system:<name>`.
 */
export const TICKET_ROLES: Record<TicketAction, readonly Role[]> = {
  acknowledge: ['handler', 'shift_lead'],
  fix: ['handler', 'shift_lead'],
};

/**
 * The role a user acts on a ticket in (a handler of the operating unit first), or why they
 * may not, in both languages. `unitName` names a unit in Chinese, as {@link refusalOf}'s.
 */
export function ticketRole(
  user: User,
  action: TicketAction,
  ticket: Pick<MaintenanceTicket, 'operator'>,
  unitName: (unitId: string) => string = (unitId) => unitId,
): { role: Role } | { refusal: Names } {
  const allowed = TICKET_ROLES[action];
  const ofTheUnit = (r: Role) => r !== 'handler' || user.unitId === ticket.operator;
  const role =
    user.roles.find((r) => r === 'handler' && allowed.includes(r) && ofTheUnit(r)) ??
    user.roles.find((r) => allowed.includes(r) && ofTheUnit(r));
  if (role) return { role };
  const act = TICKET_ACTION_NAMES[action].zh;
  const who = whoIs(user);
  if (!user.roles.some((r) => allowed.includes(r))) {
    const may = rolesInWords(allowed);
    return {
      refusal: {
        en: `${action} on a maintenance ticket is for ${may.en}; ${who.en}`,
        zh: `设备维护工单的「${act}」由${may.zh}办理；${who.zh}`,
      },
    };
  }
  const unit = user.unitId
    ? { en: `handles for ${user.unitId}`, zh: `属于${unitName(user.unitId)}` }
    : { en: 'is a handler of no unit', zh: '不属于任何单位' };
  return {
    refusal: {
      en: `${action} on this ticket is for the handlers of ${ticket.operator}, which operates the device; ${user.username} ${unit.en}`,
      zh: `本工单的「${act}」由设备运维单位（${unitName(ticket.operator)}）的处置人员或值班长办理；${user.username} ${unit.zh}`,
    },
  };
}
