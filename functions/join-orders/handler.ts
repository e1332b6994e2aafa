import { createJoinHandler } from '../../shared/handler/join-handler';
import { joinDepsFromEnv } from '../../shared/handler/join-from-env';

/** Kinesis `orders` → each order joined with its payment; mismatched, unpaid and orphan ones alerted once. */
export const handler = createJoinHandler(joinDepsFromEnv('join-orders'));
