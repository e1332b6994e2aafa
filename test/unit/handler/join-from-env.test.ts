import { ConfigurationError } from '../../../shared/errors';
import { joinDepsFromEnv } from '../../../shared/handler/join-from-env';
import { DEFAULT_MAX_EVENT_AGE_MS } from '../../../shared/kinesis/records';

const ENV = {
  STATE_TABLE: 'state',
  ALERTS_TABLE: 'alerts',
  QUARANTINE_QUEUE_URL: 'http://127.0.0.1:1/000000000000/quarantine',
  AWS_REGION: 'us-east-1',
};

describe('joinDepsFromEnv', () => {
  it('takes the join window and the decoder’s limits from the environment, with the defaults where it is silent', () => {
    const deps = joinDepsFromEnv('join-orders', { ...ENV, JOIN_WINDOW_MS: '60000', MAX_EVENT_AGE_MS: '3600000' });
    const defaults = joinDepsFromEnv('join-orders', ENV);

    expect(deps).toMatchObject({ name: 'join-orders', windowMs: 60_000, maxEventAgeMs: 3_600_000 });
    expect(defaults).toMatchObject({ windowMs: 30 * 60_000, maxRecordBytes: 64 * 1024, maxEventAgeMs: DEFAULT_MAX_EVENT_AGE_MS });
  });

  it('refuses a missing table or a window that is no positive whole number, naming the variable', () => {
    const withoutState = { ...ENV, STATE_TABLE: '' };

    expect(() => joinDepsFromEnv('join-orders', withoutState)).toThrow(
      new ConfigurationError('riskstream configuration: STATE_TABLE is required: the DynamoDB state table name'),
    );
    for (const bad of ['0', '-5', '1.5', 'soon'])
      expect(() => joinDepsFromEnv('join-orders', { ...ENV, JOIN_WINDOW_MS: bad })).toThrow(
        `riskstream configuration: JOIN_WINDOW_MS must be a whole number of at least 1, got "${bad}"`,
      );
  });
});
