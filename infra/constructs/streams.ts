import { Duration, Validations } from 'aws-cdk-lib';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Stream, StreamEncryption, StreamMode } from 'aws-cdk-lib/aws-kinesis';
import { Construct } from 'constructs';
import type { DeployConfig } from '../config';

export interface StreamsProps {
  readonly name: string;
  readonly config: DeployConfig['streams'];
  readonly encryptionKey: IKey;
}

/** The two input streams, encrypted with the stack's key; provisioned with a shard count, or on demand. */
export class Streams extends Construct {
  readonly transactions: Stream;
  readonly readings: Stream;

  constructor(scope: Construct, id: string, props: StreamsProps) {
    super(scope, id);
    const stream = (logicalId: string, suffix: string, config: DeployConfig['streams']['transactions']) => {
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
    this.transactions = stream('Transactions', 'transactions', props.config.transactions);
    this.readings = stream('Readings', 'readings', props.config.readings);
  }
}
