import { join } from 'node:path';
import { localStreamsClient } from '#shared/adapters/dynamodb/client';
import { Checkpoints, startEventRelay } from './event-relay.ts';
import type { LocalEventBus } from './event-bus.ts';
import type { Piece, Twin } from './pieces.ts';
import type { LocalTables } from './tables.ts';

/**
 * The case event pipe (`CaseEventPipe`): the case table's stream, relayed as case events to
 * each of the bus's targets, each target's place kept in `<dataDir>/events/checkpoints.json`
 * (with a data folder) so a restart resumes where each left off. Health: the relay's (down
 * while a target keeps refusing).
 */
export async function startCaseEventPipe(
  options: Pick<Twin, 'dataDir' | 'log'> & { tables: LocalTables; bus: LocalEventBus },
): Promise<Piece> {
  const checkpoints = await Checkpoints.open(options.dataDir && join(options.dataDir, 'events', 'checkpoints.json'));
  const { tables } = options;
  const streams = localStreamsClient(tables.endpoint);
  const relay = startEventRelay({
    dynamo: tables.dynamo,
    streams,
    table: tables.names.cases,
    sinks: options.bus.sinks,
    checkpoints,
    log: options.log,
  });
  return {
    health: relay.status,
    async stop() {
      await relay.stop();
      streams.destroy();
    },
  };
}
