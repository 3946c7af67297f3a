/** `npm run events:schemas`: writes the JSON Schema of every event under `events/schemas/`. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CASE_EVENTS, jsonSchemaOf, type CaseEventType } from './case-events.ts';

export const SCHEMA_DIR = resolve(import.meta.dirname, '../../events/schemas');
export const schemaFile = (type: CaseEventType) => join(SCHEMA_DIR, `${CASE_EVENTS[type].source}.${type}.v${CASE_EVENTS[type].version}.json`);
export const schemaText = (type: CaseEventType) => `${JSON.stringify(jsonSchemaOf(type), null, 2)}\n`;

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  mkdirSync(SCHEMA_DIR, { recursive: true });
  for (const type of Object.keys(CASE_EVENTS) as CaseEventType[]) {
    writeFileSync(schemaFile(type), schemaText(type));
    console.log(`wrote ${schemaFile(type)}`);
  }
}
