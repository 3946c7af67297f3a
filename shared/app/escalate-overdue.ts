import type { Registry } from './ports/registry.ts';
import type { Clock } from '#shared/domain/clock';
import { caseLoadByUnit, type UnitCaseLoad } from '#shared/domain/case/escalation';
import type { Case } from '#shared/domain/case/model';
import type { CaseService } from './case-service.ts';
import type { Metrics } from './ports/observability.ts';

export interface EscalateOverdueDeps {
  registry: Pick<Registry, 'listDistricts' | 'listDepartments' | 'listStreets'>;
  cases: Pick<CaseService, 'escalateOverdue'>;
  clock: Clock;
  metrics: Metrics;
}

/**
 * The scheduled escalation: overdue working cases go a rung up the escalation ladder,
 * reports and resolved work past their intake's or inspector's deadline are marked late
 * (`StagesOverdue` by stage), and each lead unit's load (working and overdue cases, zero included for the district's
 * departments and street offices) is reported as the `WorkingCases` and `OverdueCases`
 * figures by `unit` for the dashboard.
 */
export async function escalateOverdue(deps: EscalateOverdueDeps): Promise<{ escalated: Case[]; load: UnitCaseLoad[] }> {
  const districts = await deps.registry.listDistricts();
  const units = (
    await Promise.all(
      districts.map(async (d) => {
        const [departments, streets] = await Promise.all([
          deps.registry.listDepartments(d.districtId),
          deps.registry.listStreets(d.districtId),
        ]);
        return [...departments.map((x) => x.unitId), ...streets.map((x) => x.streetId)];
      }),
    )
  ).flat();
  const { escalated, working } = await deps.cases.escalateOverdue(districts.map((d) => d.districtId));
  const load = caseLoadByUnit(working, deps.clock.now(), [...new Set(units)]);
  for (const { unit, working: count, overdue } of load) {
    deps.metrics.count('WorkingCases', count, { unit });
    deps.metrics.count('OverdueCases', overdue, { unit });
  }
  deps.metrics.flush();
  return { escalated, load };
}
