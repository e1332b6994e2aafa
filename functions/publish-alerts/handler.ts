import { createPublishAlertsHandler } from '../../shared/handler/publish-alerts-handler';
import { publishAlertsDepsFromEnv } from '../../shared/handler/publish-alerts-from-env';

/** The alert outbox's DynamoDB stream → SNS alerts topic, each new alert once (at least once). */
export const handler = createPublishAlertsHandler(publishAlertsDepsFromEnv('publish-alerts'));
