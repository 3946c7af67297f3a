import { join } from 'node:path';
import type { RegistryReader, StateReader } from '#shared/app/device-queries';
import type { Log } from '#shared/app/ports/observability';
import type { Clock } from '#shared/domain/clock';
import { httpApi, json } from './http-router.ts';
import { lazyHandler, lambdaDeps } from '#shared/runtime/lambda';
import type { AssessmentDeps } from '#shared/app/assessment-service';
import type { DistrictMapDeps } from '#shared/app/district-map';
import type { OperatorSignIn } from '#shared/app/page-config';
import { signInFromEnv } from './operator-sign-in.ts';
import type { Open311Deps } from '#shared/app/open311-service';
import { assessmentRoutes } from './assessment-routes.ts';
import { mapRoutes } from './map-routes.ts';
import { open311Routes } from './open311-routes.ts';
import { caseRoutes, type CaseRouteDeps } from './case-routes.ts';
import { deviceRoutes } from './device-routes.ts';
import { rejectRoutes } from './reject-routes.ts';
import { routeRoutes } from './route-routes.ts';
import { ticketRoutes, type TicketRouteDeps } from './ticket-routes.ts';
import { mediaRoutes, type MediaRouteDeps } from './media-routes.ts';
import { hotlineRoutes } from './hotline-routes.ts';
import { appRoutes, type AppRouteDeps } from './app-routes.ts';
import { withStaffAddresses } from './staff-routes.ts';
import type { Open311WriteDeps } from '#shared/app/open311-service';
import type { RejectStore } from '#shared/app/ports/rejects';
import type { RouteQueryDeps } from '#shared/app/route-queries';

export type OpsApiDeps = CaseRouteDeps &
  TicketRouteDeps &
  MediaRouteDeps &
  Open311WriteDeps &
  RouteQueryDeps &
  AssessmentDeps &
  Open311Deps &
  DistrictMapDeps &
  AppRouteDeps & {
    registry: RegistryReader;
    telemetry: StateReader;
    rejects: Pick<RejectStore, 'list'>;
    clock: Clock;
    log: Log;
    operatorSignIn?: OperatorSignIn;
  };

/** The ops API: one handler for API Gateway HTTP API and the local server, routed by route key. */
export const makeHandler = (deps: OpsApiDeps) =>
  httpApi(
    withStaffAddresses({
      'GET /health': async () => json(200, { now: deps.clock.now() }),
      ...deviceRoutes(deps),
      ...rejectRoutes(deps),
      ...routeRoutes(deps),
      ...caseRoutes(deps),
      ...hotlineRoutes(deps),
      ...ticketRoutes(deps),
      ...mediaRoutes(deps),
      ...assessmentRoutes(deps),
      ...open311Routes(deps),
      ...mapRoutes(deps),
      ...appRoutes(deps),
    }),
    (error) =>
      deps.log.error('ops API request failed', { error: error instanceof Error ? error.stack : String(error) }),
    { signInDomain: deps.operatorSignIn?.domain },
  );

/** Where the pages are in Lambda: bundled beside the handler (see the ops API's bundling in infra). */
const APP_DIR = 'app';

export const handler = lazyHandler(() =>
  makeHandler({
    ...lambdaDeps(),
    operatorSignIn: signInFromEnv(process.env),
    appDir: join(process.env.LAMBDA_TASK_ROOT ?? '.', APP_DIR),
  }),
);
