import { Duration } from 'aws-cdk-lib';
import type { IStream } from 'aws-cdk-lib/aws-kinesis';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { KinesisEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { namesOfEntityType } from '../../shared/kinds/names';
import type { AnyKindSpec } from '../../shared/kinds/event-kind';
import { KINDS, streamTitle } from '../../shared/kinds/registry';
import type { EntityType } from '../../shared/state/store';
import type { DeployConfig, MappingConfig } from '../config';
import { terminalQueue } from './queues';
import { RiskstreamFunction } from './riskstream-function';
import type { State } from './state';
import type { Streams } from './streams';

export interface ScoringProps {
  readonly config: DeployConfig;
  readonly streams: Streams;
  readonly state: State;
  readonly key: IKey;
}

/** The state items a scorer of this entity type writes: its entities' (`user#…`) and their events' records (`txn#…`). */
function keyPrefixes(type: EntityType): string[] {
  return [`${type}#*`, `${namesOfEntityType(type).record.prefix}*`];
}

/**
 * The scoring functions, one per event kind, each on its stream with every safety setting of the mapping named:
 * batch size and window, parallelization, starting position, bisect on error, partial batch
 * responses, a retry limit, a maximum record age and an on-failure DLQ, so that one poison record
 * cannot block a shard for the stream's whole retention. Plus the quarantine for invalid records.
 */
export class Scoring extends Construct {
  /** One scorer per event kind (kinds/registry.ts), each with the DLQ of its mapping. */
  readonly scorers: ReadonlyArray<{ readonly kind: AnyKindSpec; readonly fn: RiskstreamFunction; readonly dlq: Queue }>;
  readonly quarantine: Queue;

  constructor(scope: Construct, id: string, props: ScoringProps) {
    super(scope, id);
    const { config, key } = props;
    const retentionMs = config.queues.retention;
    this.quarantine = terminalQueue(this, 'Quarantine', { name: `${config.name}-quarantine`, key, retentionMs });
    const dlqs = KINDS.map((kind) =>
      terminalQueue(this, `${streamTitle(kind)}Dlq`, { name: `${config.name}-score-${kind.stream}-dlq`, key, retentionMs }),
    );

    // The oldest event a scorer accepts, and how long its entity items outlive their windows: anything
    // the stream still holds (its retention) plus the lateness its windows allow.
    const maxEventAge = (stream: { retention: number }, lateness: number): string => String(stream.retention + lateness);
    // Every scorer is functions/score with its kind named in EVENT_KIND: a new kind needs no function of its own.
    const scorer = (kind: AnyKindSpec, maxEventAgeMs: string, writes: readonly string[]) =>
      new RiskstreamFunction(this, `Score${streamTitle(kind)}`, {
        function: `score-${kind.stream}`,
        entry: 'score',
        config,
        logKey: key,
        environment: {
          EVENT_KIND: kind.name,
          COMMIT_MODE: config.commitMode,
          MAX_RECORD_BYTES: String(config.maxRecordBytes),
          MAX_EVENT_AGE_MS: maxEventAgeMs,
          RULES_CONFIG: JSON.stringify(config.rules),
        },
      })
        // What the DynamoDB state store sends, and nothing else; it writes its own kind's entity and
        // record items only (operators' `ops#` items, the budgets and the other kind's are read or left).
        .bindTable(props.state.stateTable, 'STATE_TABLE', { actions: ['BatchGetItem'] })
        .bindTable(props.state.stateTable, 'STATE_TABLE', { actions: ['PutItem', 'BatchWriteItem'], leadingKeys: writes })
        // The live rules version (its head and its document: rules-versions.ts), read once per cache period.
        .bindTable(props.state.stateTable, 'STATE_TABLE', { actions: ['GetItem'], leadingKeys: ['rules#*'] })
        .bindTable(props.state.alertsTable, 'ALERTS_TABLE', { actions: ['BatchGetItem', 'BatchWriteItem'] })
        .bindQueue(this.quarantine, 'QUARANTINE_QUEUE_URL');

    this.scorers = KINDS.map((kind, i) => {
      const fn = scorer(
        kind,
        maxEventAge(config.streams[kind.stream], config.rules[kind.stream].allowedLateness),
        keyPrefixes(kind.entityType),
      );
      const dlq = dlqs[i] as Queue;
      attachStream(fn, props.streams.of(kind), dlq, config.mappings[kind.stream], config.emulator);
      return { kind, fn, dlq };
    });
  }

  /** The scorer of one kind. */
  of(kind: Pick<AnyKindSpec, 'stream'>): RiskstreamFunction {
    return (this.scorers.find((s) => s.kind.stream === kind.stream) as { fn: RiskstreamFunction }).fn;
  }
}

/**
 * The event source mapping, or on an emulator deploy only its grants: moto cannot run functions
 * and slows every put on a stream that has a mapping (ENVIRONMENT.md), so there the local runtime
 * reads the settings from the default synth instead.
 */
export function attachStream(fn: RiskstreamFunction, stream: IStream, dlq: Queue, mapping: MappingConfig, emulator: boolean): void {
  if (emulator) {
    fn.bindStream(stream);
    dlq.grantSendMessages(fn);
    return;
  }
  fn.addEventSource(
    new KinesisEventSource(stream, {
      batchSize: mapping.batchSize,
      maxBatchingWindow: Duration.millis(mapping.maxBatchingWindow),
      parallelizationFactor: mapping.parallelizationFactor,
      startingPosition: StartingPosition[mapping.startingPosition],
      bisectBatchOnError: mapping.bisectBatchOnError,
      reportBatchItemFailures: mapping.reportBatchItemFailures,
      retryAttempts: mapping.retryAttempts,
      maxRecordAge: Duration.millis(mapping.maxRecordAge),
      onFailure: new SqsDlq(dlq),
    }),
  );
}
