import { describeDevice, listDevices, type RegistryReader, type StateReader } from '#shared/app/device-queries';
import type { z } from 'zod';
import { CaseConflictError, CaseNotFoundError, type CaseService } from '#shared/app/case-service';
import { CaseQuery, TransitionRequest } from '#shared/app/case-requests';
import type { CaseStore, Log } from '#shared/app/ports';
import { IllegalTransitionError } from '#shared/domain/cases';
import type { District } from '#shared/domain/city-model';
import { describeIssues } from '#shared/domain/payloads';
import type { Clock } from '#shared/domain/clock';
import { DEVICE_KINDS, isDeviceKind } from '#shared/domain/device-kinds';
import { isThingName } from '#shared/domain/topics';
import { HttpError, httpApi, json } from '#shared/adapters/http-api';
import { lazyHandler, lambdaDeps } from '#shared/adapters/lambda-runtime';

export interface OpsApiDeps {
  registry: RegistryReader & { listDistricts(): Promise<District[]> };
  telemetry: StateReader;
  caseStore: Pick<CaseStore, 'get' | 'list'>;
  cases: Pick<CaseService, 'act'>;
  clock: Clock;
  log: Log;
}

/** Parses with a schema, or answers 400 with the reasons. */
function parse<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (!result.success) throw new HttpError(400, 'bad_request', describeIssues(result.error));
  return result.data;
}

/** The ops API: one handler for API Gateway HTTP API and the local server. */
export const makeHandler = (deps: OpsApiDeps) =>
  httpApi(
    {
      'GET /health': async () => json(200, { now: deps.clock.now() }),
      'GET /devices': async (event) => {
        const q = event.queryStringParameters ?? {};
        if (q.kind !== undefined && !isDeviceKind(q.kind)) {
          throw new HttpError(400, 'bad_request', `kind must be one of ${DEVICE_KINDS.join(', ')}`);
        }
        const limit = q.limit === undefined ? 100 : Number(q.limit);
        if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw new HttpError(400, 'bad_request', 'limit must be an integer from 1 to 500');
        return json(200, await listDevices(deps, { kind: q.kind, districtId: q.districtId, limit, nextToken: q.nextToken }));
      },
      'GET /cases': async (event) => {
        const { districtId, ...filter } = parse(CaseQuery, event.queryStringParameters ?? {});
        let district = districtId;
        if (!district && !filter.unit && !filter.streetId) {
          const districts = await deps.registry.listDistricts();
          if (districts.length !== 1) throw new HttpError(400, 'bad_request', `districtId is required (one of ${districts.map((d) => d.districtId).join(', ')})`);
          district = districts[0]!.districtId;
        }
        return json(200, await deps.caseStore.list({ ...filter, districtId: district }));
      },
      'GET /cases/{caseId}': async (event) => {
        const found = await deps.caseStore.get(event.pathParameters?.caseId ?? '');
        if (!found) throw new HttpError(404, 'not_found', `no case "${event.pathParameters?.caseId}"`);
        return json(200, found);
      },
      'POST /cases/{caseId}/transitions': async (event) => {
        let body: unknown;
        try {
          body = JSON.parse(event.isBase64Encoded ? Buffer.from(event.body ?? '', 'base64').toString('utf8') : (event.body ?? ''));
        } catch {
          throw new HttpError(400, 'bad_request', 'the body must be JSON: { "action", "actor", "note"? }');
        }
        const { action, actor, note } = parse(TransitionRequest, body);
        try {
          return json(200, await deps.cases.act(event.pathParameters?.caseId ?? '', action, actor, note));
        } catch (error) {
          if (error instanceof CaseNotFoundError) throw new HttpError(404, 'not_found', error.message);
          if (error instanceof IllegalTransitionError) throw new HttpError(409, 'illegal_transition', error.message);
          if (error instanceof CaseConflictError) throw new HttpError(409, 'conflict', error.message);
          throw error;
        }
      },
      'GET /devices/{thing}': async (event) => {
        const thing = event.pathParameters?.thing ?? '';
        if (!isThingName(thing)) throw new HttpError(400, 'bad_request', `"${thing}" is not a valid thing name`);
        const view = await describeDevice(deps, thing);
        if (!view) throw new HttpError(404, 'not_found', `no device "${thing}" in the registry`);
        return json(200, view);
      },
    },
    (error) => deps.log.error('ops API request failed', { error: error instanceof Error ? error.stack : String(error) }),
  );

export const handler = lazyHandler(() => makeHandler(lambdaDeps()));
