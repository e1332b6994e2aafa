import { Duration, Validations } from 'aws-cdk-lib';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Stream, StreamEncryption, StreamMode } from 'aws-cdk-lib/aws-kinesis';
import { Construct } from 'constructs';
import type { AnyKindSpec } from '../../shared/kinds/event-kind';
import type { InputStreamName } from '../../shared/kinds/names';
import { KINDS, streamTitle } from '../../shared/kinds/registry';
import { ORDER_JOIN_NAMES } from '../../shared/kinds/names';
import type { DeployConfig } from '../config';

export interface StreamsProps {
  readonly name: string;
  readonly config: DeployConfig['streams'];
  readonly encryptionKey: IKey;
}

/**
 * One input stream per event kind (kinds/registry.ts), and the orders stream of the join, each
 * encrypted with the stack's key; provisioned with a shard count, or on demand.
 */
export class Streams extends Construct {
  private readonly byName = new Map<AnyKindSpec['stream'], Stream>();
  readonly orders: Stream;

  constructor(scope: Construct, id: string, props: StreamsProps) {
    super(scope, id);
    const stream = (logicalId: string, suffix: string, config: DeployConfig['streams'][InputStreamName]) => {
      const created = new Stream(this, logicalId, {
        streamName: `${props.name}-${suffix}`,
        encryption: StreamEncryption.KMS,
        encryptionKey: props.encryptionKey,
        retentionPeriod: Duration.millis(config.retention),
        ...(config.mode === 'on-demand'
          ? { streamMode: StreamMode.ON_DEMAND }
          : { streamMode: StreamMode.PROVISIONED, shardCount: config.shardCount }),
      });
      Validations.of(created).acknowledge({
        id: 'AwsSolutions-KDS3',
        reason:
          "Encrypted with the stack's customer-managed key (rotated yearly), which the functions are granted explicitly; stronger control than the aws/kinesis key.",
      });
      return created;
    };
    for (const kind of KINDS) this.byName.set(kind.stream, stream(streamTitle(kind), kind.stream, props.config[kind.stream]));
    const orders = ORDER_JOIN_NAMES.stream;
    this.orders = stream(streamTitle({ stream: orders }), orders, props.config[orders]);
  }

  /** The stream a kind's events go to. */
  of(kind: AnyKindSpec): Stream {
    return this.byName.get(kind.stream) as Stream; // one per kind, made above
  }

  get all(): Stream[] {
    return [...this.byName.values(), this.orders];
  }
}
