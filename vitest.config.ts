import { defineConfig } from 'vitest/config';

/**
 * Tests in tiers by folder, fastest first in `npm test`: unit and infra (CDK synthesis)
 * need nothing; integration and e2e share one DynamoDB Local per run (started by the
 * global setup of whichever starts first), each file with its own table prefix.
 */
const dynamo = { globalSetup: ['test/support/dynamodb-global-setup.ts'], testTimeout: 30_000, hookTimeout: 60_000 };

export default defineConfig({
  test: {
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      { extends: true, test: { name: 'infra', include: ['test/infra/**/*.test.ts'], testTimeout: 60_000 } },
      { extends: true, test: { name: 'integration', include: ['test/integration/**/*.test.ts'], ...dynamo } },
      { extends: true, test: { name: 'e2e', include: ['test/e2e/**/*.test.ts'], ...dynamo } },
    ],
  },
});
