import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { CoverageIncrement, CoverageStore } from '#shared/app/ports/coverage';
import type { StoreGrants } from './grants.ts';
import type { SegmentCoverage } from '#shared/domain/coverage';
import { classify } from './errors.ts';
import { queryAll } from './query.ts';

export const coverageKey = (routeId: string, windowKey: string) => `${routeId}#${windowKey}`;

/**
 * Coverage per (route, window, segment, pass). Increments are added as number sets (`ADD`), so
 * they merge without a read, in any order, and a redelivered batch changes nothing.
 */
/** What each method sends (see `grants.ts`). */
export const COVERAGE_GRANTS: StoreGrants<DynamoCoverageStore> = { add: ['UpdateItem'], read: ['Query'] };

export class DynamoCoverageStore implements CoverageStore {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly retentionDays = 90,
  ) {}

  async add(increments: CoverageIncrement[], now: number): Promise<void> {
    const expiresAt = Math.floor(now / 1000) + this.retentionDays * 86_400;
    await Promise.all(
      increments.map(async ({ routeId, windowKey, segmentId, pass, cells }) => {
        try {
          await this.doc.send(
            new UpdateCommand({
              TableName: this.table,
              Key: { pk: coverageKey(routeId, windowKey), sk: `${segmentId}#${pass}` },
              UpdateExpression:
                'ADD #cells :cells SET routeId = :r, windowKey = :w, segmentId = :s, pass = :p, expiresAt = :e',
              ExpressionAttributeNames: { '#cells': 'cells' },
              ExpressionAttributeValues: {
                ':cells': new Set(cells),
                ':r': routeId,
                ':w': windowKey,
                ':s': segmentId,
                ':p': pass,
                ':e': expiresAt,
              },
            }),
          );
        } catch (error) {
          classify(error, `coverage of ${segmentId}`);
        }
      }),
    );
  }

  /** Covered cells per segment id, per pass. */
  async read(routeId: string, windowKey: string): Promise<Map<string, SegmentCoverage>> {
    const items = await queryAll(this.doc, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': coverageKey(routeId, windowKey) },
    });
    const out = new Map<string, SegmentCoverage>();
    for (const item of items) {
      const passes = out.get(item.segmentId as string) ?? new Map<string, Set<number>>();
      passes.set(item.pass as string, new Set(item.cells as Set<number>));
      out.set(item.segmentId as string, passes);
    }
    return out;
  }
}
