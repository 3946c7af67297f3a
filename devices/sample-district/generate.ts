/**
 * Writes the sample district's files (run with `npm run sample:generate`; the output is
 * committed). Synthetic but laid inside Gongshu District, Hangzhou: two street offices,
 * four communities, twelve grids, thirty garbage rooms, two farmers' markets with cameras
 * and zones, five sweeping routes with their sweepers. Deterministic: the same files every run.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const DISTRICT = 'gongshu';

let seed = 20261127;
const random = () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const r7 = (v: number) => Math.round(v * 1e7) / 1e7;
const rect = (w: number, s: number, e: number, n: number) => ({
  type: 'Polygon' as const,
  coordinates: [
    [
      [w, s],
      [e, s],
      [e, n],
      [w, n],
      [w, s],
    ].map(([x, y]) => [r7(x!), r7(y!)]),
  ],
});
const phone = (n: number) => `0571-8${String(1000000 + n * 7919).slice(-7)}`;

// The district's box, split west/east into two street offices and north/south into communities.
const WEST = 120.135;
const SOUTH = 30.3;
const COL = 0.005; // about 480 m
const ROW = 0.012; // about 1.33 km

const streetDefs = [
  { streetId: 'gs-hushu', name: 'Hushu Street Office', localName: '湖墅街道', officeKind: 'street' as const, col0: 0 },
  {
    streetId: 'gs-xiaohe',
    name: 'Xiaohe Street Office',
    localName: '小河街道',
    officeKind: 'street' as const,
    col0: 3,
  },
];
const communityNames = [
  [
    ['Qiaoxi Community', '桥西社区'],
    ['Xinyi Community', '信义社区'],
  ],
  [
    ['Changzheng Community', '长征社区'],
    ['Lishui Community', '丽水社区'],
  ],
];
const people = [
  'Wang Fang',
  'Li Na',
  'Zhang Wei',
  'Liu Yang',
  'Chen Jie',
  'Yang Min',
  'Zhao Lei',
  'Huang Li',
  'Zhou Qiang',
  'Wu Xia',
  'Xu Tao',
  'Sun Hui',
];

const streets = streetDefs.map(({ col0: _c, ...s }, i) => ({
  ...s,
  districtId: DISTRICT,
  contact: { name: `${s.name} duty desk`, phone: phone(i + 1) },
}));
const communities: object[] = [];
const grids: {
  gridId: string;
  communityId: string;
  streetId: string;
  bbox: [number, number, number, number];
  feature: object;
}[] = [];
streetDefs.forEach((street, si) => {
  [0, 1].forEach((row) => {
    const communityId = `${street.streetId}-c${row + 1}`;
    const [name, localName] = communityNames[si]![row]!;
    communities.push({
      communityId,
      streetId: street.streetId,
      districtId: DISTRICT,
      name,
      localName,
      contact: { name: `${name} office`, phone: phone(10 + si * 2 + row) },
    });
    [0, 1, 2].forEach((c) => {
      const gridId = `${communityId}-g${c + 1}`;
      const w = WEST + (street.col0 + c) * COL;
      const s = SOUTH + row * ROW;
      const bbox: [number, number, number, number] = [w, s, w + COL, s + ROW];
      const person = people[grids.length]!;
      grids.push({
        gridId,
        communityId,
        streetId: street.streetId,
        bbox,
        feature: {
          type: 'Feature',
          geometry: rect(...bbox),
          properties: {
            gridId,
            communityId,
            streetId: street.streetId,
            districtId: DISTRICT,
            name: `Grid ${grids.length + 1}`,
            localName: `${localName}第${c + 1}网格`,
            responsible: { name: person, phone: `138${String(57100000 + grids.length * 1371).slice(-8)}` },
          },
        },
      });
    });
  });
});

const departments = [
  ['municipal-landscaping', 'District Municipal & Landscaping Bureau', '区市政园林局'],
  ['enforcement', 'District Comprehensive Administrative Enforcement Bureau', '区综合行政执法局'],
  ['traffic-police', 'District Traffic Police Brigade', '区交警大队'],
  ['market-supervision', 'District Market Supervision Bureau', '区市场监管局'],
  ['city-management-office', 'District City Management Office', '区城管办'],
].map(([unitId, name, localName], i) => ({
  unitId,
  districtId: DISTRICT,
  name,
  localName,
  contact: { name: `${name} dispatch`, phone: phone(30 + i) },
}));

const features: object[] = [];
const devices: object[] = [];

// Thirty garbage rooms: three in each of the first six grids, two in the rest.
let room = 0;
grids.forEach((grid, gi) => {
  const count = gi % 2 === 0 ? 3 : 2;
  for (let k = 0; k < count; k++) {
    room++;
    const [w, s, e, n] = grid.bbox;
    const lon = r7(w + (e - w) * (0.15 + 0.7 * random()));
    const lat = r7(s + (n - s) * (0.1 + 0.8 * random()));
    const siteId = `gr-${String(room).padStart(3, '0')}`;
    const thresholds = room % 10 === 0 ? { overflowPct: 85 } : {};
    features.push({
      type: 'Feature',
      geometry: { type: 'Point', coordinates: [lon, lat] },
      properties: {
        siteId,
        siteKind: 'garbage_room',
        districtId: DISTRICT,
        gridId: grid.gridId,
        name: `Garbage room ${room}`,
        localName: `${room}号垃圾房`,
        capacityLitres: [2400, 3600, 4800, 6000][room % 4],
        thresholds,
      },
    });
    devices.push({
      thing: `bin-gs-${String(room).padStart(3, '0')}`,
      kind: 'bins',
      districtId: DISTRICT,
      siteId,
      expectedIntervalSeconds: 300,
      model: 'ultrasonic fill sensor',
    });
  }
});

// Two farmers' markets, each with zones and two cameras.
const markets = [
  {
    siteId: 'mk-01',
    name: 'Hushu Farmers Market',
    localName: '湖墅农贸市场',
    gridId: 'gs-hushu-c1-g3',
    box: [120.1462, 30.3022, 120.148, 30.3034],
  },
  {
    siteId: 'mk-02',
    name: 'Xiaohe Farmers Market',
    localName: '小河农贸市场',
    gridId: 'gs-xiaohe-c2-g1',
    box: [120.1522, 30.3196, 120.154, 30.3207],
  },
] as const;
markets.forEach((market, mi) => {
  const [w, s, e, n] = market.box;
  const dx = (e - w) / 10;
  const dy = (n - s) / 10;
  const zone = (zoneId: string, name: string, zoneKind: string, geometry: object) => ({
    type: 'Feature',
    geometry,
    properties: { featureType: 'market_zone', siteId: market.siteId, zoneId, name, zoneKind },
  });
  features.push({
    type: 'Feature',
    geometry: rect(w, s, e, n),
    properties: {
      siteId: market.siteId,
      siteKind: 'market',
      districtId: DISTRICT,
      gridId: market.gridId,
      name: market.name,
      localName: market.localName,
      thresholds: {},
    },
  });
  features.push(
    zone(`${market.siteId}-stalls`, 'Stall hall', 'stalls', rect(w + dx, s + 2 * dy, e - dx, n - dy)),
    zone(`${market.siteId}-entrance`, 'South entrance', 'entrance', rect(w + 3 * dx, s, e - 3 * dx, s + 2 * dy)),
    zone(`${market.siteId}-frontage`, 'Street frontage', 'perimeter', rect(w, n, e, n + 2 * dy)),
    zone(`${market.siteId}-parking`, 'East parking apron', 'parking', rect(e, s, e + 3 * dx, n)),
  );
  ['a', 'b'].forEach((c, ci) => {
    devices.push({
      thing: `cam-gs-m${mi + 1}-${c}`,
      kind: 'cameras',
      districtId: DISTRICT,
      siteId: market.siteId,
      expectedIntervalSeconds: 15,
      model: ci === 0 ? 'dome camera, edge analytics' : 'bullet camera, edge analytics',
    });
  });
});

// Five sweeping routes along the district's roads, each with its sweeper.
const line = (...points: [number, number][]) => ({
  type: 'LineString' as const,
  coordinates: points.map(([x, y]) => [r7(x), r7(y)]),
});
const routes = [
  {
    siteId: 'rt-01',
    name: 'Hushu Road (south)',
    localName: '湖墅路（南段）',
    streetId: 'gs-hushu',
    gridId: 'gs-hushu-c1-g1',
    unitId: 'municipal-landscaping',
    line: line([120.1355, 30.3062], [120.1495, 30.3062]),
    windows: [
      { start: '05:00', end: '07:00', days: [1, 2, 3, 4, 5, 6, 7] },
      { start: '13:00', end: '14:00', days: [1, 2, 3, 4, 5] },
    ],
    named: true,
  },
  {
    siteId: 'rt-02',
    name: 'Hushu Road (north)',
    localName: '湖墅路（北段）',
    streetId: 'gs-hushu',
    gridId: 'gs-hushu-c2-g1',
    unitId: 'municipal-landscaping',
    line: line([120.1355, 30.3182], [120.1495, 30.3182]),
    windows: [{ start: '05:00', end: '07:00', days: [1, 2, 3, 4, 5, 6, 7] }],
    named: false,
  },
  {
    siteId: 'rt-03',
    name: 'Xiaohe Road',
    localName: '小河路',
    streetId: 'gs-xiaohe',
    gridId: 'gs-xiaohe-c1-g1',
    unitId: 'municipal-landscaping',
    line: line([120.1505, 30.3062], [120.1645, 30.3062]),
    windows: [{ start: '05:30', end: '07:30', days: [1, 2, 3, 4, 5, 6, 7] }],
    named: true,
  },
  {
    siteId: 'rt-04',
    name: 'Changzheng Lane and Lishui Alley',
    localName: '长征弄、丽水巷',
    streetId: 'gs-xiaohe',
    gridId: 'gs-xiaohe-c1-g2',
    unitId: 'gs-xiaohe',
    line: line([120.1575, 30.3015], [120.1575, 30.3165], [120.1635, 30.3165]),
    windows: [{ start: '06:00', end: '08:00', days: [1, 2, 3, 4, 5, 6] }],
    named: true,
  },
  {
    siteId: 'rt-05',
    name: 'Qiaoxi Alley',
    localName: '桥西弄',
    streetId: 'gs-hushu',
    gridId: 'gs-hushu-c1-g2',
    unitId: 'gs-hushu',
    line: line([120.1425, 30.3015], [120.1425, 30.3225]),
    windows: [{ start: '06:00', end: '08:00', days: [1, 2, 3, 4, 5, 6, 7] }],
    named: false,
  },
];
routes.forEach((route, i) => {
  const thing = `sweeper-gs-${String(i + 1).padStart(2, '0')}`;
  const { named, line: geometry, ...props } = route;
  features.push({
    type: 'Feature',
    geometry,
    properties: {
      ...props,
      siteKind: 'sweeping_route',
      districtId: DISTRICT,
      passesRequired: 1,
      sweepers: named ? [thing] : [],
      brushRequired: true,
      maxSpeedKmh: 15,
      oneWay: false,
      thresholds: {},
    },
  });
  devices.push({
    thing,
    kind: 'sweepers',
    districtId: DISTRICT,
    siteId: route.siteId,
    unitId: route.unitId,
    expectedIntervalSeconds: 60,
    model: 'sweeper GNSS tracker',
  });
});

const write = (file: string, data: unknown) => writeFileSync(join(here, file), `${JSON.stringify(data, null, 2)}\n`);
write('district.json', {
  district: {
    districtId: DISTRICT,
    name: 'Gongshu District',
    localName: '拱墅区',
    city: 'Hangzhou',
    timeZone: 'Asia/Shanghai',
    // Only the statutory fixed-date holidays of 2026; a real district lists the State Council's
    // yearly arrangement, with the weekend days worked in their place as make-up workdays.
    calendar: {
      holidays: ['2026-01-01', '2026-05-01', '2026-05-02', '2026-10-01', '2026-10-02', '2026-10-03'],
      makeUpWorkdays: [],
      // Office hours: time limits count only these (8:30–12:00, 13:30–17:30).
      hours: [
        ['08:30', '12:00'],
        ['13:30', '17:30'],
      ],
    },
  },
  streets,
  communities,
  departments,
});
write('grids.geojson', { type: 'FeatureCollection', features: grids.map((g) => g.feature) });
write('sites.geojson', { type: 'FeatureCollection', features });
write('devices.json', devices);
const written = [
  `${grids.length} grids`,
  `${room} garbage rooms`,
  `${markets.length} markets`,
  `${routes.length} routes`,
  `${devices.length} devices`,
];
console.log(`sample district written to ${here}: ${written.join(', ')}`);
