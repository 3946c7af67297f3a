import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataDirInUseError, startDynamoDbLocal } from '#infra/local/dynamodb-local';

describe('a data folder in use', () => {
  it('refuses to start a second DynamoDB Local on it, and leaves the first one running', async () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), 'cityops-inuse-')), 'dynamodb');
    const first = await startDynamoDbLocal({ dataDir });
    try {
      await expect(startDynamoDbLocal({ dataDir })).rejects.toBeInstanceOf(DataDirInUseError);
      await expect(startDynamoDbLocal({ dataDir })).rejects.toThrow(
        /another CityOps process \(pid \d+\) is using .*: stop it first/,
      );
      expect((await fetch(first.endpoint)).status).toBeGreaterThan(0); // still answering
    } finally {
      await first.stop();
    }
  }, 60_000);
});
