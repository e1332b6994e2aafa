import { createSweepHandler } from '../../shared/handler/sweep-handler';
import { sweepDepsFromEnv } from '../../shared/handler/sweep-from-env';

/** Every minute (EventBridge): a control record into the stream of each entity whose incidents are due. */
export const handler = createSweepHandler(sweepDepsFromEnv('sweep-incidents'));
