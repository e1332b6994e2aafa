import type { StackProps } from 'aws-cdk-lib';
import { Duration, Stack } from 'aws-cdk-lib';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { State } from './constructs/state';

/** riskstream in one stack, composed of one construct per concern. */
export class RiskstreamStack extends Stack {
  readonly state: State;
  readonly quarantine: Queue;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    const key = new Key(this, 'DataKey', { enableKeyRotation: true, description: 'riskstream data at rest' });
    this.state = new State(this, 'State', { encryptionKey: key });
    this.quarantine = new Queue(this, 'QuarantineQueue', {
      encryption: QueueEncryption.KMS,
      encryptionMasterKey: key,
      retentionPeriod: Duration.days(14),
      enforceSSL: true,
    });
  }
}
