import { Duration, Validations } from 'aws-cdk-lib';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

/**
 * A queue that is an end of the line: an event source mapping's on-failure destination, or the
 * quarantine of invalid records. Encrypted with the stack's key, TLS only, kept long enough to act on.
 */
export function terminalQueue(scope: Construct, id: string, props: { name: string; key: IKey; retentionMs: number }): Queue {
  const queue = new Queue(scope, id, {
    queueName: props.name,
    encryption: QueueEncryption.KMS,
    encryptionMasterKey: props.key,
    retentionPeriod: Duration.millis(props.retentionMs),
    enforceSSL: true,
  });
  Validations.of(queue).acknowledge({
    id: 'AwsSolutions-SQS3',
    reason:
      'This queue is itself where failed or invalid records end up; they are inspected and redriven by an operator, not retried into another queue.',
  });
  return queue;
}
