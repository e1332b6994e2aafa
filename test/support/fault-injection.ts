import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

/**
 * Makes chosen DynamoDB requests fail before they leave the client, with the error the service
 * would send (throttling, say), while every other request goes to the emulator over HTTP. The
 * emulator cannot be told to throttle, so this is the one place a failure is made up; it replaces
 * no emulator behaviour. Returns a function that removes the fault.
 */
export function injectDynamoDBFault(
  client: DynamoDBClient,
  fault: {
    readonly when: (command: string, input: Record<string, unknown>) => boolean;
    readonly error: () => Error;
    /** How many matching requests fail (default: all of them). */
    readonly times?: number;
  },
): { readonly hits: () => number; readonly remove: () => void } {
  let hits = 0;
  const name = `riskstreamFault${Math.random().toString(36).slice(2)}`;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const command = (context.commandName ?? '').replace(/Command$/, '');
      if (fault.when(command, args.input as Record<string, unknown>) && hits < (fault.times ?? Infinity)) {
        hits++;
        throw fault.error();
      }
      return next(args);
    },
    { step: 'initialize', name },
  );
  return { hits: () => hits, remove: () => client.middlewareStack.remove(name) };
}

export function throttlingError(): Error {
  return Object.assign(new Error('Rate of requests exceeds the allowed throughput.'), {
    name: 'ProvisionedThroughputExceededException',
    $fault: 'client',
    $metadata: { httpStatusCode: 400, attempts: 1 },
  });
}

/** True for a write that carries entity states (user#/device# items): the commit step. */
export function isStateCommit(command: string, input: Record<string, unknown>): boolean {
  const text = JSON.stringify(input);
  return (command === 'PutItem' || command === 'BatchWriteItem') && /"pk":\{"S":"(user|device)#/.test(text);
}
