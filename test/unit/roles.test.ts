import { describe, expect, it } from 'vitest';
import { userFromClaims } from '#shared/adapters/identity/jwt-identity';
import { SignInError } from '#shared/app/ports/identity';
import { actingRole, refusalOf, reportRefusal } from '#shared/domain/roles';

describe('a user from a sign-in token', () => {
  it('reads a Cognito ID token’s claims: username, the groups that are roles, the unit', () => {
    expect(
      userFromClaims({
        sub: '5f0c…',
        'cognito:username': 'zhao.lei',
        'cognito:groups': ['handler', 'us-east-1_Pool_Google', 'not-a-role'],
        'custom:unit': 'municipal-landscaping',
        name: '赵磊',
        token_use: 'id',
      }),
    ).toEqual({ username: 'zhao.lei', roles: ['handler'], unitId: 'municipal-landscaping', name: '赵磊' });
    expect(userFromClaims({ sub: 'only-a-sub' })).toEqual({ username: 'only-a-sub', roles: [] });
    expect(() => userFromClaims({})).toThrow(SignInError);
  });
});

describe('who may act', () => {
  const sanitation = { leadUnit: 'municipal-landscaping', coUnits: ['hushu-street'] };
  it('names the roles an action is for, and the user’s, in Chinese and as ids', () => {
    expect(refusalOf({ username: 'wu', roles: ['grid_worker'] }, 'close', sanitation)).toEqual({
      en: 'close is for 值班长 (shift_lead); wu is 网格员 (grid_worker)',
      zh: '「结案」由值班长办理；wu 是网格员',
    });
    expect(refusalOf({ username: 'nobody', roles: [] }, 'verify', sanitation)).toEqual({
      en: 'verify is for 监督员 (inspector); nobody is in no role',
      zh: '「核查通过」由监督员办理；nobody 未分配角色',
    });
    expect(refusalOf({ username: 'li', roles: ['leader', 'inspector'] }, 'dispatch', sanitation)?.zh).toBe(
      '「派遣」由派遣员、值班长办理；li 是领导、监督员',
    );
  });

  it('lets a handler act on the lead unit’s and the co-units’ cases only', () => {
    const of = (unitId?: string) => ({ username: 'h', roles: ['handler' as const], ...(unitId ? { unitId } : {}) });
    expect(refusalOf(of('municipal-landscaping'), 'resolve', sanitation)).toBeUndefined();
    expect(refusalOf(of('hushu-street'), 'start', sanitation)).toBeUndefined();
    expect(refusalOf(of('enforcement'), 'resolve', sanitation)).toEqual({
      en: 'resolve is for the handlers of municipal-landscaping, hushu-street; h handles for enforcement',
      zh: '「处置完毕」由案件所在单位（municipal-landscaping、hushu-street）办理；h 属于enforcement，不是本案的单位',
    });
    const names: Record<string, string> = { 'municipal-landscaping': '区市政园林局', enforcement: '区综合行政执法局' };
    expect(refusalOf(of('enforcement'), 'resolve', sanitation, (id) => names[id] ?? id)?.zh).toBe(
      '「处置完毕」由案件所在单位（区市政园林局、hushu-street）办理；h 属于区综合行政执法局，不是本案的单位',
    );
    expect(refusalOf(of(), 'resolve', sanitation)).toEqual({
      en: "resolve is for the case's units' handlers; h is a handler of no unit",
      zh: '「处置完毕」由案件所在单位的人员办理；h 不属于任何单位',
    });
  });

  it('records the role the action was taken in', () => {
    expect(actingRole({ username: 'l', roles: ['leader', 'shift_lead'] }, 'close')).toBe('shift_lead');
    expect(actingRole({ username: 'l', roles: ['leader'] }, 'close')).toBeUndefined();
  });
});

describe('who may report as staff', () => {
  it('lets only the source’s role send an inspector’s, a grid worker’s or a leader’s report; anyone a citizen’s', () => {
    const inspector = { username: 'zhou', roles: ['inspector' as const] };
    const clerk = { username: 'wang', roles: ['intake_clerk' as const] };
    expect(reportRefusal(inspector, 'inspector')).toBeUndefined();
    expect(reportRefusal(clerk, 'inspector')).toEqual({
      en: 'a report from source inspector is for 监督员 (inspector); wang is 受理员 (intake_clerk)',
      zh: '「监督员上报」的案件须由监督员本人登录上报；wang 是受理员',
    });
    expect(reportRefusal(inspector, 'grid_worker')?.en).toContain('is for 网格员 (grid_worker)');
    expect(reportRefusal(clerk, 'public')).toBeUndefined();
    expect(reportRefusal(clerk, 'hotline_12345')).toBeUndefined();
  });
});
