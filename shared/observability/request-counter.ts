import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

interface ConsumedCapacityLike {
  readonly CapacityUnits?: number;
  readonly ReadCapacityUnits?: number;
  readonly WriteCapacityUnits?: number;
}

export interface RequestCounts {
  /** HTTP requests sent, SDK retries included (each is billed or throttled on its own). */
  readonly requests: number;
  readonly byCommand: Readonly<Record<string, number>>;
  /** Write units DynamoDB reported through ReturnConsumedCapacity (0 where the emulator reports none). */
  readonly writeUnits: number;
  readonly readUnits: number;
}

/**
 * Counts the DynamoDB requests a process makes, so a handler can emit them per batch and a
 * benchmark can read them. Attached once to the shared client as SDK middleware.
 */
export class RequestCounter {
  private requests = 0;
  private writeUnits = 0;
  private readUnits = 0;
  private byCommand: Record<string, number> = {};

  attach(client: DynamoDBClient): void {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const command = (context.commandName ?? 'unknown').replace(/Command$/, '');
        try {
          const output = await next(args);
          const body = output.output as {
            $metadata?: { attempts?: number };
            ConsumedCapacity?: ConsumedCapacityLike | ConsumedCapacityLike[];
          };
          this.record(command, body.$metadata?.attempts ?? 1, body.ConsumedCapacity);
          return output;
        } catch (error) {
          const attempts = (error as { $metadata?: { attempts?: number } }).$metadata?.attempts ?? 1;
          this.record(command, attempts, undefined);
          throw error;
        }
      },
      { step: 'initialize', name: 'riskstreamRequestCounter', override: true },
    );
  }

  snapshot(): RequestCounts {
    return { requests: this.requests, byCommand: { ...this.byCommand }, writeUnits: this.writeUnits, readUnits: this.readUnits };
  }

  reset(): void {
    this.requests = 0;
    this.writeUnits = 0;
    this.readUnits = 0;
    this.byCommand = {};
  }

  private record(command: string, attempts: number, consumed: ConsumedCapacityLike | ConsumedCapacityLike[] | undefined): void {
    this.requests += attempts;
    this.byCommand[command] = (this.byCommand[command] ?? 0) + attempts;
    for (const c of consumed === undefined ? [] : Array.isArray(consumed) ? consumed : [consumed]) {
      const isRead = command.startsWith('BatchGet') || command.startsWith('Get') || command === 'Query' || command === 'Scan';
      const units = c.CapacityUnits ?? 0;
      this.writeUnits += c.WriteCapacityUnits ?? (isRead ? 0 : units);
      this.readUnits += c.ReadCapacityUnits ?? (isRead ? units : 0);
    }
  }
}
