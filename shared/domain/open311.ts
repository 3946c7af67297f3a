import { CATEGORY_POLICY } from './case/category-policy.ts';
import type { Case } from './case/model.ts';
import type { CaseStatus } from './case/statuses.ts';
import { isoWithOffset } from './local-time.ts';
import { isMediaId, MEDIA_ID } from './media.ts';
import { CASE_CATEGORIES, CATEGORY_GROUP, type CaseCategory } from './responsibility.ts';

/**
 * The read side of Open311 GeoReport v2 (https://wiki.open311.org/GeoReport_v2): one
 * service per case category, and each case as a service request, so a city's existing
 * 311/12345 hotline systems can read CityOps's cases.
 */

/** What each category is called to the public. */
export const SERVICE_NAMES: Record<CaseCategory, { name: string; description: string }> = {
  garbage_overflow: {
    name: 'Overflowing garbage room',
    description: 'A garbage room full to overflowing, reported by its fill sensor.',
  },
  collection_due: {
    name: 'Garbage collection due',
    description: 'A garbage room filling fast: collection is due before it overflows.',
  },
  bin_fire: { name: 'Fire in a garbage room', description: 'A high or fast-rising temperature in a garbage room.' },
  bin_knocked_over: { name: 'Garbage bin knocked over', description: 'A garbage bin tilted over.' },
  device_low_battery: { name: 'Sensor battery low', description: 'A street sensor needs its battery changed.' },
  sensor_stuck: { name: 'Sensor reading stuck', description: 'A fill sensor reporting the same value for too long.' },
  device_offline: { name: 'Sensor offline', description: 'A street sensor has stopped reporting.' },
  market_stall_outside: {
    name: 'Stall outside the market',
    description: 'Trading outside a farmers’ market’s bounds.',
  },
  market_goods_piled: {
    name: 'Goods piled outside the market',
    description: 'Goods stacked on the street outside a farmers’ market.',
  },
  market_litter: { name: 'Litter around the market', description: 'Litter around a farmers’ market.' },
  illegal_parking: {
    name: 'Illegal parking at the market',
    description: 'Vehicles parked where they block a market’s surroundings.',
  },
  missed_sweeping: {
    name: 'Street not swept',
    description: 'A scheduled mechanised sweeping of a street was not done in time.',
  },
  sweeping_too_fast: {
    name: 'Street swept too fast',
    description: 'A street sweeper went faster than sweeping allows.',
  },
  sweeper_silent: {
    name: 'Street sweeper silent',
    description: 'A street sweeper stopped reporting during its sweeping window.',
  },
  exposed_garbage: { name: 'Exposed garbage', description: 'Garbage left in the open, spilled or overflowing.' },
  piled_goods: {
    name: 'Goods piled on the street',
    description: 'Goods or materials stacked on a street or pavement.',
  },
  street_trading: { name: 'Street trading', description: 'Trading from the street or pavement without a place.' },
  shopfront_trading: { name: 'Trading outside a shop', description: 'A shop trading on the pavement in front of it.' },
  posters_graffiti: {
    name: 'Posters and graffiti',
    description: 'Posters stuck up or graffiti written where not allowed.',
  },
  illegal_structure: { name: 'Illegal structure', description: 'A structure built without permission.' },
  dirty_road: { name: 'Dirty road', description: 'A road or pavement left dirty.' },
  damaged_bin: { name: 'Damaged garbage bin', description: 'A public garbage bin broken or missing.' },
  damaged_manhole_cover: {
    name: 'Damaged manhole cover',
    description: 'A manhole cover broken, loose or missing: a danger to people and vehicles.',
  },
};

export interface Open311Service {
  service_code: string;
  service_name: string;
  description: string;
  metadata: boolean;
  type: 'realtime' | 'batch' | 'blackbox';
  keywords: string;
  group: string;
}

export const OPEN311_SERVICES: readonly Open311Service[] = CASE_CATEGORIES.map((code) => ({
  service_code: code,
  service_name: SERVICE_NAMES[code].name,
  description: SERVICE_NAMES[code].description,
  metadata: false,
  type: 'realtime',
  keywords: [CATEGORY_GROUP[code], CATEGORY_POLICY[code].severity].join(','),
  group: CATEGORY_GROUP[code],
}));

/** Every field GeoReport v2 lists for a service request. */
export interface Open311Request {
  service_request_id: string;
  status: 'open' | 'closed';
  status_notes: string;
  service_name: string;
  service_code: string;
  description: string;
  agency_responsible: string;
  service_notice: string;
  requested_datetime: string;
  updated_datetime: string;
  expected_datetime: string;
  address: string;
  address_id: string;
  zipcode: string;
  lat: number;
  long: number;
  media_url: string;
}

/**
 * Open while someone still has to act, closed once the work is verified or the case was
 * voided or refused (Open311 knows only the two). A resolved case awaits verification:
 * still open.
 */
export const open311Status = (status: CaseStatus): 'open' | 'closed' =>
  status === 'verified' || status === 'closed' || status === 'void' || status === 'refused' ? 'closed' : 'open';

const STATUS_NOTES: Record<CaseStatus, string> = {
  open: 'Registered; waiting to be dispatched.',
  dispatched: 'Dispatched to the responsible unit.',
  in_progress: 'The responsible unit is working on it.',
  resolved: 'Reported resolved; waiting for verification.',
  verified: 'Resolved and verified.',
  closed: 'Resolved, verified and closed.',
  void: 'Voided: not a valid case.',
  reopened: 'Reopened: the verification failed or the problem came back.',
  received: 'Received; waiting to be registered.',
  checking: 'Received; an inspector is checking it on site.',
  refused: 'Not registered as a case.',
  parked: 'Parked: it cannot be solved soon; it will be reviewed.',
};

/**
 * What the cycle did to a case still being worked on, beyond its status: sent back by a
 * unit, more time given or asked for, sent down to a community or grid, escalated or
 * pressed by a supervision notice.
 */
export function cycleNotes(c: Case, time: (t: number) => string): string[] {
  if (open311Status(c.status) === 'closed') return [];
  const last = c.history.at(-1);
  const notes: string[] = [];
  if (c.status === 'open' && last?.action === 'return')
    notes.push('Returned by the unit it was sent to: it will be dispatched again.');
  if (c.extension?.state === 'approved') notes.push(`The unit was given more time: until ${time(c.extension.until)}.`);
  if (c.extension?.state === 'requested') notes.push('The unit asked for more time.');
  if (c.assignedTo) notes.push(`Handed down to the ${c.assignedTo.level}.`);
  if (c.escalationLevel > 0) notes.push('Overdue: escalated.');
  if (c.supervision) notes.push('Under supervision (督办).');
  if (c.status === 'parked' && c.parked) notes.push(`To be reviewed on ${time(c.parked.reviewAt)}.`);
  return notes;
}

/** Where and by whom: the case's place and lead unit as people name them. */
export interface RequestContext {
  timeZone: string;
  address: string;
  agency: string;
  /** Where a medium of the case can be read (the API's `/media/{id}`), if the API's address is known. */
  mediaUrl?: (mediaId: string) => string;
}

/** The case's first photo or video a person sent (a report's, in the order they came), else a camera's first snapshot. */
export const firstMedia = (c: Case): string | undefined => {
  const media = (c.reports ?? []).flatMap((r) => r.media);
  return media.find((id) => MEDIA_ID.test(id)) ?? media.find(isMediaId);
};

export function toOpen311Request(c: Case, context: RequestContext): Open311Request {
  const lastNote = [...c.history].reverse().find((h) => h.note)?.note;
  const time = (t: number) => isoWithOffset(t, context.timeZone);
  return {
    service_request_id: c.caseId,
    status: open311Status(c.status),
    status_notes: [
      STATUS_NOTES[c.status],
      c.refusal ? `Reason: ${c.refusal.reason}.` : '',
      ...cycleNotes(c, time),
      lastNote ?? '',
    ]
      .filter(Boolean)
      .join(' '),
    service_name: SERVICE_NAMES[c.category].name,
    service_code: c.category,
    description: c.summary,
    agency_responsible: context.agency,
    service_notice: '',
    requested_datetime: time(c.openedAt),
    updated_datetime: time(c.updatedAt),
    expected_datetime: time(c.dueAt),
    address: context.address,
    address_id: c.siteId,
    zipcode: '',
    lat: c.location.lat,
    long: c.location.lon,
    media_url: (() => {
      const media = firstMedia(c);
      return media && context.mediaUrl ? context.mediaUrl(media) : '';
    })(),
  };
}
