import { z } from 'zod';

/**
 * What every CityOps event is defined by: where it comes from, its detail type, its
 * version, and the schema of its detail, the envelope `{ metadata: { version, occurredAt,
 * id }, data }`. The JSON Schema files under `events/schemas/` are generated from these
 * (`npm run events:schemas`).
 */
export interface EventDefinition {
  source: string;
  detailType: string;
  version: string;
  schema: z.ZodType;
}

/** An event as it goes on the bus (EventBridge's source, detail type and detail). */
export interface BusEvent<Data = unknown, Type extends string = string> {
  source: string;
  detailType: Type;
  detail: { metadata: { version: string; occurredAt: number; id: string }; data: Data };
}

/**
 * The envelope schema of a detail: metadata with the version, the time and a unique id of the occurrence (a case's
 * change, a report's publication), and the data.
 */
export const envelope = (
  detailType: string,
  version: string,
  description: string,
  data: z.ZodType,
  occurrence = 'change',
) =>
  z
    .object({
      metadata: z.looseObject({
        version: z.literal(version),
        occurredAt: z.int().describe(`epoch ms of the ${occurrence}`),
        id: z.string().describe(`unique per ${occurrence}: receivers may use it to drop a redelivery`),
      }),
      data,
    })
    .describe(description)
    .meta({ title: detailType });

/** The JSON Schema document of an event, as committed under `events/schemas/`. */
export function jsonSchemaOf(def: EventDefinition): Record<string, unknown> {
  return {
    $id: `https://cityops.example/events/${def.source}/${def.detailType}/v${def.version}.json`,
    ...z.toJSONSchema(def.schema, { target: 'draft-2020-12' }),
    'x-source': def.source,
    'x-detail-type': def.detailType,
  };
}
