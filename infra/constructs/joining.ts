import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ORDER_JOIN_NAMES } from '../../shared/kinds/names';
import type { DeployConfig } from '../config';
import { terminalQueue } from './queues';
import { RiskstreamFunction } from './riskstream-function';
import { attachStream } from './scoring';
import type { State } from './state';
import type { Streams } from './streams';

export interface JoiningProps {
  readonly config: DeployConfig;
  readonly streams: Streams;
  readonly state: State;
  /** Where records that are no order or payment go: the scorers' quarantine. */
  readonly quarantine: Queue;
  readonly key: IKey;
}

/**
 * join-orders (shared/handler/join-handler.ts) on the orders stream, its mapping with the scorers'
 * safety settings (scoring.ts) and its own DLQ. It writes its joins (`order#…`) and its alerts into
 * the outbox, nothing else; the sweep (sweep.ts) closes the windows of joins still waiting.
 */
export class Joining extends Construct {
  readonly joinOrders: RiskstreamFunction;
  readonly dlq: Queue;

  constructor(scope: Construct, id: string, props: JoiningProps) {
    super(scope, id);
    const { config, key } = props;
    const stream = ORDER_JOIN_NAMES.stream;
    this.dlq = terminalQueue(this, 'OrdersDlq', { name: `${config.name}-join-${stream}-dlq`, key, retentionMs: config.queues.retention });
    this.joinOrders = new RiskstreamFunction(this, 'JoinOrders', {
      function: 'join-orders',
      config,
      logKey: key,
      environment: {
        JOIN_WINDOW_MS: String(config.orders.joinWindow),
        MAX_RECORD_BYTES: String(config.maxRecordBytes),
        // The oldest side it takes, and how long a join outlives its window: anything the stream still holds.
        MAX_EVENT_AGE_MS: String(config.streams[stream].retention),
      },
    })
      .bindTable(props.state.stateTable, 'STATE_TABLE', {
        actions: ['BatchGetItem', 'PutItem'],
        leadingKeys: [`${ORDER_JOIN_NAMES.entityType}#*`],
      })
      .bindTable(props.state.alertsTable, 'ALERTS_TABLE', { actions: ['PutItem'] })
      .bindQueue(props.quarantine, 'QUARANTINE_QUEUE_URL');
    attachStream(this.joinOrders, props.streams.orders, this.dlq, config.mappings[stream], config.emulator);
  }
}
