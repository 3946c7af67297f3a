/**
 * Who acts on a case: a signed-in person in one of their roles, a sensor (`sensor:<thing>`)
 * or the system itself. Who may take which action is roles.ts's rule.
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

/** A signed-in person. */
export interface User {
  /** The sign-in name: what the history records as the actor. */
  username: string;
  name?: string;
  roles: Role[];
  /** A handler's unit (a department's or street office's id, as cases name their lead unit; a community's), a grid worker's grid. */
  unitId?: string;
}

export const SYSTEM_ACTOR = 'cityops';
export const sensorActor = (thing: string | undefined) => (thing ? `sensor:${thing}` : SYSTEM_ACTOR);
