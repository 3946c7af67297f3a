import { z } from 'zod';
import type { Case } from '#shared/domain/case/model';
import type { District } from '#shared/domain/city-model';
import type { Clock } from '#shared/domain/clock';
import { classOf } from '#shared/domain/classification';
import { open311Status, SERVICE_NAMES, toOpen311Request, type Open311Request } from '#shared/domain/open311';
import type { CaseService } from './case-service.ts';
import { CASE_CATEGORIES } from '#shared/domain/responsibility';
import { chooseDistrict } from './district-choice.ts';
import { readIdNames } from './names.ts';
import type { CaseStore } from './ports/cases.ts';
import type { Registry } from './ports/registry.ts';
import { decimalParam, wholeParam } from './request-params.ts';

const DAY = 86_400_000;
/** GeoReport v2's defaults: the last 90 days, at most 1000 requests (a page here). */
export const OPEN311_DEFAULT_DAYS = 90;
export const OPEN311_MAX_PAGE = 1000;
const MAX_WINDOW_DAYS = 370;

const isoTime = (name: string) =>
  z.string().transform((v, ctx) => {
    const t = Date.parse(v);
    if (!/^\d{4}-\d{2}-\d{2}/.test(v) || Number.isNaN(t)) {
      ctx.addIssue({ code: 'custom', message: `${name} must be an ISO 8601 time (2026-11-01T00:00:00+08:00)` });
      return z.NEVER;
    }
    return t;
  });
const commaList = <T extends string>(values: readonly [T, ...T[]], name: string) =>
  z
    .string()
    .transform((v) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    )
    .pipe(
      z
        .array(z.enum(values, { message: `${name} must be one or more of ${values.join(', ')}, comma separated` }))
        .min(1),
    );

/** `GET /open311/v2/requests.json` parameters (GeoReport v2, plus `page` and `page_size`). */
export const Open311Query = z
  .strictObject({
    jurisdiction_id: z.string().min(1).max(100).optional(),
    service_request_id: z
      .string()
      .transform((v) =>
        v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean),
      )
      .pipe(z.array(z.string().max(100)).min(1).max(OPEN311_MAX_PAGE))
      .optional(),
    service_code: commaList(CASE_CATEGORIES, 'service_code').optional(),
    status: commaList(['open', 'closed'], 'status').optional(),
    start_date: isoTime('start_date').optional(),
    end_date: isoTime('end_date').optional(),
    page: wholeParam('page', z.number().min(1)).default(1),
    page_size: wholeParam('page_size', z.number().min(1).max(OPEN311_MAX_PAGE)).default(OPEN311_MAX_PAGE),
  })
  .refine((q) => q.start_date === undefined || q.end_date === undefined || q.end_date >= q.start_date, {
    message: 'end_date must not be before start_date',
    path: ['end_date'],
  })
  .refine(
    (q) => q.start_date === undefined || q.end_date === undefined || q.end_date - q.start_date <= MAX_WINDOW_DAYS * DAY,
    {
      message: `start_date to end_date is at most ${MAX_WINDOW_DAYS} days`,
      path: ['end_date'],
    },
  );
export type Open311Query = z.infer<typeof Open311Query>;

export interface Open311Deps {
  registry: Pick<Registry, 'listDistricts' | 'listDepartments' | 'getSites' | 'getPlace'>;
  caseStore: Pick<CaseStore, 'get' | 'listOpened'>;
  clock: Clock;
}

/** A request Open311 answers with 400 or 404 and a description. */
export class Open311Error extends Error {
  constructor(
    readonly status: 400 | 404,
    message: string,
  ) {
    super(message);
  }
}

export interface Open311Page {
  requests: Open311Request[];
  page: number;
  pageSize: number;
  total: number;
  /** Set when there are more: the page to ask for next. */
  nextPage?: number;
}

async function districtOf(deps: Open311Deps, jurisdiction: string | undefined): Promise<District> {
  return chooseDistrict(await deps.registry.listDistricts(), jurisdiction, 'jurisdiction_id');
}

/** Names the cases' places and agencies (one read of each site, grid and the departments) and maps them. */
async function toRequests(
  deps: Open311Deps,
  district: District,
  cases: Case[],
  apiBase?: string,
): Promise<Open311Request[]> {
  const { sites, places, units } = await readIdNames(
    deps.registry,
    district.districtId,
    cases.map((c) => c.siteId),
    cases.map((c) => c.gridId),
  );
  return cases.map((c) => {
    const place = places.get(c.gridId);
    const address = [sites.get(c.siteId)?.name, place?.community?.name, place?.street?.name].filter(Boolean).join(', ');
    const agency = units.get(c.leadUnit) ?? (place?.street?.streetId === c.leadUnit ? place.street.name : c.leadUnit);
    return toOpen311Request(c, {
      timeZone: district.timeZone,
      address,
      agency,
      ...(apiBase ? { mediaUrl: (id: string) => `${apiBase}/media/${id}` } : {}),
    });
  });
}

/**
 * Service requests newest first, `page_size` to a page. Without dates, the 90 days to now;
 * with `service_request_id`, those cases whatever their dates (the other filters still apply).
 */
export async function listOpen311Requests(
  deps: Open311Deps,
  query: Open311Query,
  apiBase?: string,
): Promise<Open311Page> {
  const district = await districtOf(deps, query.jurisdiction_id);
  let cases: Case[];
  if (query.service_request_id) {
    cases = (await Promise.all(query.service_request_id.map((id) => deps.caseStore.get(id)))).filter(
      (c): c is Case => c?.districtId === district.districtId,
    );
  } else {
    const end =
      query.end_date ??
      (query.start_date !== undefined ? query.start_date + OPEN311_DEFAULT_DAYS * DAY : deps.clock.now());
    const start = query.start_date ?? end - OPEN311_DEFAULT_DAYS * DAY;
    cases = await deps.caseStore.listOpened(district.districtId, start, end + 1);
  }
  const wanted = cases
    .filter((c) => !query.service_code || query.service_code.includes(c.category))
    .filter((c) => !query.status || query.status.includes(open311Status(c.status)))
    .sort((a, b) => b.openedAt - a.openedAt || b.caseId.localeCompare(a.caseId));
  const first = (query.page - 1) * query.page_size;
  const slice = wanted.slice(first, first + query.page_size);
  return {
    requests: await toRequests(deps, district, slice, apiBase),
    page: query.page,
    pageSize: query.page_size,
    total: wanted.length,
    ...(first + query.page_size < wanted.length ? { nextPage: query.page + 1 } : {}),
  };
}

export async function getOpen311Request(deps: Open311Deps, id: string, apiBase?: string): Promise<Open311Request> {
  const c = await deps.caseStore.get(id);
  if (!c) throw new Open311Error(404, `no service request "${id}"`);
  const district = (await deps.registry.listDistricts()).find((d) => d.districtId === c.districtId);
  if (!district) throw new Open311Error(404, `no service request "${id}"`);
  return (await toRequests(deps, district, [c], apiBase))[0]!;
}

/**
 * `POST /open311/v2/requests.json` (GeoReport v2's fields, form-encoded or JSON): a
 * citizen's service request, taken in as a `public` report of the service's class. A point
 * is required (there is no geocoder for `address_string`); `media_url` must be an address
 * this API gave for an uploaded photo (`POST /media`, then `GET /media/{id}`).
 */
export const Open311PostBody = z
  .looseObject({
    jurisdiction_id: z.string().min(1).max(100).optional(),
    service_code: z.enum(CASE_CATEGORIES, { message: 'service_code is not one of services.json' }),
    lat: decimalParam('lat', z.number().min(-90).max(90)).optional(),
    long: decimalParam('long', z.number().min(-180).max(180)).optional(),
    address_string: z.string().max(500).optional(),
    address_id: z.string().max(64).optional(),
    description: z.string().trim().max(4000).optional(),
    media_url: z.string().max(2000).optional(),
    first_name: z.string().max(100).optional(),
    last_name: z.string().max(100).optional(),
    phone: z.string().max(30).optional(),
    email: z.string().max(200).optional(),
    device_id: z.string().max(200).optional(),
    account_id: z.string().max(200).optional(),
  })
  .refine((b) => (b.lat !== undefined && b.long !== undefined) || b.address_id !== undefined, {
    message:
      'lat and long are required (or address_id: a site of the jurisdiction); address_string alone cannot be placed',
    path: ['lat'],
  })
  .refine((b) => Boolean(b.description) || Boolean(b.media_url), {
    message: 'say what is wrong: a description or a media_url',
    path: ['description'],
  });
export type Open311PostBody = z.infer<typeof Open311PostBody>;

/** The media id in a `media_url` this API gave (`…/media/<id>`), or none. */
export function mediaIdOf(url: string): string | undefined {
  const match = /\/media\/(md-[0-9]{8}-[0-9a-f]{16})$/.exec(url.split('?')[0]!);
  return match?.[1];
}

export interface Open311WriteDeps {
  registry: Pick<Registry, 'listDistricts'>;
  cases: Pick<CaseService, 'report'>;
}

export async function postOpen311Request(
  deps: Open311WriteDeps,
  body: Open311PostBody,
): Promise<{ service_request_id: string; service_notice: string; account_id: string | null }[]> {
  const district = chooseDistrict(await deps.registry.listDistricts(), body.jurisdiction_id, 'jurisdiction_id');
  const media = body.media_url ? mediaIdOf(body.media_url) : undefined;
  if (body.media_url && !media)
    throw new Open311Error(400, 'media_url must be an address this API gave for an uploaded photo (POST /media)');
  const name = [body.first_name, body.last_name].filter(Boolean).join(' ');
  const { outcome, case: c } = await deps.cases.report({
    districtId: district.districtId,
    source: 'public',
    classId: classOf(district.classification, body.service_code).classId,
    ...(body.lat !== undefined && body.long !== undefined ? { location: { lat: body.lat, lon: body.long } } : {}),
    ...(body.address_id ? { componentId: body.address_id } : {}),
    ...(body.address_string ? { address: body.address_string } : {}),
    description: body.description || SERVICE_NAMES[body.service_code].name,
    media: media ? [media] : [],
    ...(name || body.phone || body.email || body.account_id
      ? {
          reporter: {
            ...(name ? { name } : {}),
            ...(body.phone ? { phone: body.phone } : {}),
            ...(body.account_id || body.email ? { id: body.account_id ?? body.email } : {}),
          },
        }
      : {}),
  });
  const notice =
    outcome === 'refused'
      ? `Not taken in: ${c.refusal?.note ?? c.refusal?.reason}.`
      : outcome === 'merged'
        ? 'Joined a request already open about the same problem.'
        : '';
  return [{ service_request_id: c.caseId, service_notice: notice, account_id: body.account_id ?? null }];
}
