import { systemClock } from '#shared/adapters/clock';
import { startBroker, type LocalBrokerOptions } from '#infra/local/broker';

/** A local broker on a free port that takes any client id as a registered garbage-room sensor. */
export const anyGarbageRoomBroker = (options: Pick<LocalBrokerOptions, 'onPublish' | 'events' | 'onRefused'>) =>
  startBroker({
    port: 0,
    lookupDevice: async (thing) => ({
      thing,
      kind: 'bins',
      districtId: 'gongshu',
      siteId: 'gr-001',
      expectedIntervalSeconds: 300,
    }),
    clock: systemClock,
    ...options,
  });
