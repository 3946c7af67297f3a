import { readFileSync } from 'node:fs';
import type { Context } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';

function contextFor(awsRequestId: string): Context {
  return {
    awsRequestId,
    functionName: 'cityops-test-check-offline',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:cn-north-1:123456789012:function:cityops-test-check-offline',
    memoryLimitInMB: '512',
    logGroupName: '/aws/lambda/cityops-test-check-offline',
    logStreamName: '2026/12/08/[$LATEST]abc',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => 30_000,
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

describe('the Lambda runtime', () => {
  afterEach(() => {
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
  });

  it('runs on the Node major version of .nvmrc (the one Lambda runs)', () => {
    const wanted = readFileSync(new URL('../../.nvmrc', import.meta.url), 'utf8').trim();
    expect(process.versions.node.split('.')[0]).toBe(wanted);
  });

  it("puts the invocation's request id and cold start on every log line, and builds the handler once", async () => {
    // As Lambda sets it for an on-demand environment; the module is loaded after, as Lambda would.
    vi.stubEnv('AWS_LAMBDA_INITIALIZATION_TYPE', 'on-demand');
    const { lambdaBase, lazyHandler } = await import('#shared/runtime/lambda');
    const lines: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    let builds = 0;
    const handler = lazyHandler(() => {
      builds += 1;
      return async (event: { n: number }) => {
        lambdaBase().log.info('checked', { n: event.n });
        return event.n * 2;
      };
    });
    expect(await handler({ n: 1 }, contextFor('req-1'))).toBe(2);
    expect(await handler({ n: 2 }, contextFor('req-2'))).toBe(4);
    const logged = lines
      .flatMap((chunk) => chunk.split('\n'))
      .filter((line) => line.includes('"checked"'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(logged.map((line) => [line.function_request_id, line.cold_start, line.n])).toEqual([
      ['req-1', true, 1],
      ['req-2', false, 2],
    ]);
    expect(logged[0]).toMatchObject({ function_name: 'cityops-test-check-offline', service: 'cityops' });
    expect(builds).toBe(1);
  });
});
