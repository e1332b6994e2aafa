import { Duration } from 'aws-cdk-lib';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { INCIDENTS_INDEX } from '../../shared/adapters/dynamodb-items';
import { KINDS, streamVariable } from '../../shared/kinds/registry';
import { ORDER_JOIN_NAMES } from '../../shared/kinds/names';
import type { DeployConfig } from '../config';
import { budgetedSubscribers } from './alerting';
import { RiskstreamFunction } from './riskstream-function';
import type { State } from './state';
import type { Streams } from './streams';

export interface SweepProps {
  readonly config: DeployConfig;
  readonly streams: Streams;
  readonly state: State;
  /** Where the digests of budgeted subscribers go. */
  readonly topic: ITopic;
  readonly key: IKey;
}

/** How often time passes for entities that send no events: a reminder or a resolution is at most this late. */
export const SWEEP_EVERY = Duration.minutes(1);

/**
 * The incidents sweep (shared/handler/sweep-handler.ts) on an EventBridge schedule: it reads the
 * state table's incidents index and puts control records into the streams, and sends the digests
 * of budgeted subscribers whose window has ended. On an
 * emulator deploy the schedule is left out, as the event source mappings are: the local runtime
 * reads it from the default synth and invokes the function itself.
 */
export class Sweep extends Construct {
  readonly sweepIncidents: RiskstreamFunction;

  constructor(scope: Construct, id: string, props: SweepProps) {
    super(scope, id);
    const { config, streams } = props;
    this.sweepIncidents = new RiskstreamFunction(this, 'SweepIncidents', {
      function: 'sweep-incidents',
      config,
      logKey: props.key,
      environment: {
        ...Object.fromEntries(KINDS.map((kind) => [streamVariable(kind), streams.of(kind).streamName])),
        [streamVariable(ORDER_JOIN_NAMES)]: streams.orders.streamName,
      },
    }).bindTable(props.state.stateTable, 'STATE_TABLE', { actions: ['Query'], index: INCIDENTS_INDEX.name });
    if (budgetedSubscribers(config.subscriptions).length > 0) {
      // The digests: held notifications read and removed once sent, a place in the budget taken for each; no other item.
      this.sweepIncidents
        .bindTable(props.state.stateTable, 'STATE_TABLE', {
          actions: ['BatchGetItem', 'BatchWriteItem', 'UpdateItem'],
          leadingKeys: ['budget#*', 'held#*'],
        })
        .bindTopic(props.topic, 'ALERTS_TOPIC_ARN');
    }
    for (const stream of streams.all) stream.grantWrite(this.sweepIncidents);
    if (!config.emulator) {
      new Rule(this, 'Schedule', {
        description: 'Time passing for entities that send no events: their incidents resolve and remind, waiting joins close',
        schedule: Schedule.rate(SWEEP_EVERY),
        targets: [new LambdaFunction(this.sweepIncidents, { retryAttempts: 0 })],
      });
    }
  }
}
