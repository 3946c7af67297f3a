/** `npm run events:schemas`: writes the JSON Schema of every event under `events/schemas/`. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CASE_EVENTS } from './case-events.ts';
import { REPORT_EVENTS } from './report-events.ts';
import { HOTLINE_EVENTS } from './hotline-events.ts';
import { jsonSchemaOf, type EventDefinition } from './event-definition.ts';

/** Every event CityOps publishes. */
export const EVENT_DEFINITIONS: readonly EventDefinition[] = [
  ...Object.values(CASE_EVENTS),
  ...Object.values(REPORT_EVENTS),
  ...Object.values(HOTLINE_EVENTS),
];

export const SCHEMA_DIR = resolve(import.meta.dirname, '../../events/schemas');
export const schemaFile = (def: EventDefinition) =>
  join(SCHEMA_DIR, `${def.source}.${def.detailType}.v${def.version}.json`);
export const schemaText = (def: EventDefinition) => `${JSON.stringify(jsonSchemaOf(def), null, 2)}\n`;

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  mkdirSync(SCHEMA_DIR, { recursive: true });
  for (const def of EVENT_DEFINITIONS) {
    writeFileSync(schemaFile(def), schemaText(def));
    console.log(`wrote ${schemaFile(def)}`);
  }
}
