import type { Role } from './case/actors.ts';
import type { CaseAction, CaseStatus, RefusalReason, Severity } from './case/statuses.ts';
import type { Source, Urgency } from './classification.ts';
import type { Locale } from './locales.ts';
import type { TicketAction } from './maintenance.ts';
import type { CaseCategory } from './responsibility.ts';

/**
 * What people read, from one dictionary: the case cycle's statuses and actions, the
 * severities and the categories, in Chinese (the sample district's language, and the
 * default) and English. Classes, units and places are named by the district's own
 * configuration (the classification table, the city model). Contract names (the keys)
 * never change; only these words do.
 */
export interface Names {
  zh: string;
  en: string;
}

/**
 * An error whose words people read: `message` in English (logs, API clients),
 * `localMessage` in Chinese, the district's language; the API answers both. Made from
 * {@link Names}, or from English alone where nobody reads it in a page.
 */
export class WordedError extends Error {
  readonly localMessage?: string;

  constructor(words: Names | string) {
    super(typeof words === 'string' ? words : words.en);
    if (typeof words !== 'string') this.localMessage = words.zh;
  }

  /** Its words again, to hand on (as a 4xx's answer). */
  get words(): Names | string {
    return this.localMessage === undefined ? this.message : { en: this.message, zh: this.localMessage };
  }
}

/** The roles as the district's people name them. */
export const ROLE_NAMES: Record<Role, Names> = {
  intake_clerk: { zh: '受理员', en: 'intake clerk' },
  shift_lead: { zh: '值班长', en: 'shift lead' },
  dispatcher: { zh: '派遣员', en: 'dispatcher' },
  handler: { zh: '处置人员', en: 'unit handler' },
  inspector: { zh: '监督员', en: 'inspector' },
  grid_worker: { zh: '网格员', en: 'grid worker' },
  leader: { zh: '领导', en: 'leader' },
  admin: { zh: '系统管理员', en: 'administrator' },
};

export const STATUS_NAMES: Record<CaseStatus, Names> = {
  received: { zh: '待立案', en: 'received' },
  checking: { zh: '核实中', en: 'checking on site' },
  refused: { zh: '不予立案', en: 'refused' },
  open: { zh: '待派遣', en: 'to dispatch' },
  dispatched: { zh: '已派遣', en: 'dispatched' },
  in_progress: { zh: '处置中', en: 'in progress' },
  resolved: { zh: '待核查', en: 'to verify' },
  verified: { zh: '核查通过', en: 'verified' },
  closed: { zh: '已结案', en: 'closed' },
  void: { zh: '已作废', en: 'void' },
  reopened: { zh: '返工', en: 'reopened' },
  parked: { zh: '挂账', en: 'parked' },
};

/** The history's actions: a person's, and the system's own (opened, repeated, escalated, merged). */
export const ACTION_NAMES: Record<CaseAction | 'open' | 'repeat' | 'escalate' | 'merge' | 'overdue', Names> = {
  open: { zh: '上报', en: 'reported' },
  repeat: { zh: '重复上报', en: 'repeated' },
  escalate: { zh: '超期升级', en: 'escalated' },
  merge: { zh: '合并', en: 'merged' },
  overdue: { zh: '超时', en: 'overdue' },
  check: { zh: '派核实', en: 'sent for a check' },
  register: { zh: '立案', en: 'registered' },
  refuse: { zh: '不予立案', en: 'refused' },
  dispatch: { zh: '派遣', en: 'dispatched' },
  dispatch_down: { zh: '二级派遣', en: 'sent down' },
  start: { zh: '开始处置', en: 'started' },
  resolve: { zh: '处置完毕', en: 'resolved' },
  return: { zh: '回退', en: 'returned' },
  request_extension: { zh: '申请延期', en: 'asked for more time' },
  approve_extension: { zh: '批准延期', en: 'extension approved' },
  reject_extension: { zh: '驳回延期', en: 'extension rejected' },
  park: { zh: '挂账', en: 'parked' },
  unpark: { zh: '解除挂账', en: 'unparked' },
  inspect: { zh: '核查', en: 'inspected' },
  verify: { zh: '核查通过', en: 'verified' },
  reopen: { zh: '返工', en: 'reopened' },
  supervise: { zh: '督办', en: 'supervised' },
  close: { zh: '结案', en: 'closed' },
  void: { zh: '作废', en: 'voided' },
};

/** A person's actions on a device's maintenance ticket. */
export const TICKET_ACTION_NAMES: Record<TicketAction, Names> = {
  acknowledge: { zh: '确认工单', en: 'acknowledged' },
  fix: { zh: '修复完成', en: 'fixed' },
};

export const SEVERITY_NAMES: Record<Severity, Names> = {
  critical: { zh: '特别严重', en: 'critical' },
  major: { zh: '严重', en: 'major' },
  minor: { zh: '一般', en: 'minor' },
  warning: { zh: '提示', en: 'warning' },
};

export const CATEGORY_NAMES: Record<CaseCategory, Names> = {
  garbage_overflow: { zh: '垃圾房满溢', en: 'overflowing garbage room' },
  collection_due: { zh: '垃圾待清运', en: 'collection due' },
  bin_fire: { zh: '垃圾房火情', en: 'fire in a garbage room' },
  bin_knocked_over: { zh: '垃圾桶倾倒', en: 'bin knocked over' },
  device_low_battery: { zh: '设备电量低', en: 'sensor battery low' },
  sensor_stuck: { zh: '传感器读数停滞', en: 'sensor reading stuck' },
  device_offline: { zh: '设备离线', en: 'sensor offline' },
  market_stall_outside: { zh: '市场外占道经营', en: 'stall outside the market' },
  market_goods_piled: { zh: '市场外堆物', en: 'goods piled outside the market' },
  market_litter: { zh: '市场周边垃圾', en: 'litter around the market' },
  illegal_parking: { zh: '违章停放', en: 'illegal parking' },
  missed_sweeping: { zh: '道路漏扫', en: 'street not swept' },
  sweeping_too_fast: { zh: '清扫超速', en: 'swept too fast' },
  sweeper_silent: { zh: '清扫车失联', en: 'sweeper silent' },
  exposed_garbage: { zh: '暴露垃圾', en: 'exposed garbage' },
  piled_goods: { zh: '堆物堆料', en: 'goods piled on the street' },
  street_trading: { zh: '占道经营', en: 'street trading' },
  shopfront_trading: { zh: '店外经营', en: 'trading outside a shop' },
  posters_graffiti: { zh: '乱张贴、乱涂写', en: 'posters and graffiti' },
  illegal_structure: { zh: '违法建设', en: 'illegal structure' },
  dirty_road: { zh: '道路不洁', en: 'dirty road' },
  damaged_bin: { zh: '垃圾箱破损', en: 'damaged garbage bin' },
  damaged_manhole_cover: { zh: '井盖破损', en: 'damaged manhole cover' },
};

export const SOURCE_NAMES: Record<Source, Names> = {
  iot: { zh: '物联感知', en: 'sensor' },
  video: { zh: '视频识别', en: 'camera' },
  inspector: { zh: '监督员上报', en: 'inspector' },
  grid_worker: { zh: '网格员上报', en: 'grid worker' },
  public: { zh: '市民投诉', en: 'citizen' },
  hotline_12345: { zh: '12345热线', en: '12345 hotline' },
  leader: { zh: '领导交办', en: 'leader' },
  media: { zh: '媒体曝光', en: 'press and social media' },
};

export const REFUSAL_REASON_NAMES: Record<RefusalReason, Names> = {
  duplicate: { zh: '重复上报', en: 'duplicate' },
  outside_district: { zh: '不在本区范围', en: 'outside the district' },
  not_found_on_site: { zh: '现场未发现', en: 'not found on site' },
  not_city_management: { zh: '非城管类问题', en: 'not city management' },
  insufficient_information: { zh: '信息不全', en: 'insufficient information' },
  cleared_before_registration: { zh: '立案前已消除', en: 'cleared before registration' },
  other: { zh: '其他', en: 'other' },
};

export const URGENCY_NAMES: Record<Urgency, Names> = {
  urgent: { zh: '紧急', en: 'urgent' },
  pressing: { zh: '较急', en: 'pressing' },
  normal: { zh: '一般', en: 'normal' },
};

/**
 * A unit's or place's name in a locale: its `localName` (the district's own language,
 * Chinese in the sample) for Chinese, its `name` for English or where it has no local one.
 */
export const nameIn = (locale: Locale, named: { name: string; localName?: string }): string =>
  locale === 'en' ? named.name : (named.localName ?? named.name);

/** One locale's words for a table of names. */
export const wordsOf = <K extends string>(names: Record<K, Names>, locale: Locale): Record<K, string> =>
  Object.fromEntries(Object.entries<Names>(names).map(([k, n]) => [k, locale === 'en' ? n.en : n.zh])) as Record<
    K,
    string
  >;

/** Every table of the dictionary in one locale, as a page embeds it. */
export const dictionaryOf = (locale: Locale) => ({
  status: wordsOf(STATUS_NAMES, locale),
  action: wordsOf(ACTION_NAMES, locale),
  severity: wordsOf(SEVERITY_NAMES, locale),
  category: wordsOf(CATEGORY_NAMES, locale),
  role: wordsOf(ROLE_NAMES, locale),
  source: wordsOf(SOURCE_NAMES, locale),
  urgency: wordsOf(URGENCY_NAMES, locale),
  reason: wordsOf(REFUSAL_REASON_NAMES, locale),
});
