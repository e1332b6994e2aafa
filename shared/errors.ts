/**
 * One error taxonomy for the whole project. What a caller must decide about a failure is whether
 * to try again, so every error says which of three kinds it is:
 * - `retryable`: the same call may succeed later (throttling, 5xx, timeouts, the network);
 * - `record`: one record caused it and no retry will help (a value or an item DynamoDB refuses, an
 *   invalid event); that record is quarantined with the reason and its neighbours go on;
 * - `configuration`: the deployment is wrong (access denied, a missing table, queue or setting);
 *   nothing succeeds until a person fixes it, and the message says what is missing.
 */
export const ErrorKind = { retryable: 'retryable', record: 'record', configuration: 'configuration' } as const;
export type ErrorKind = (typeof ErrorKind)[keyof typeof ErrorKind];

export abstract class RiskstreamError extends Error {
  abstract readonly kind: ErrorKind;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** May succeed if tried again later. */
export class RetryableError extends RiskstreamError {
  override name = 'RetryableError';
  readonly kind = ErrorKind.retryable;
}

/** Caused by one record; trying it again fails the same way. */
export class RecordError extends RiskstreamError {
  override name = 'RecordError';
  readonly kind = ErrorKind.record;
}

/** The deployment is wrong: a person must fix it. */
export class ConfigurationError extends RiskstreamError {
  override name = 'ConfigurationError';
  readonly kind = ErrorKind.configuration;
}

/** The kind of any thrown value: ours say it; an AWS SDK error is classified by `classifyAwsError`. */
export function errorKind(error: unknown): ErrorKind {
  return error instanceof RiskstreamError ? error.kind : classifyAwsError(error);
}

/**
 * The AWS SDK (v3) marks each service error with `$fault` ('client' | 'server') and a name from the
 * service's model; network failures and timeouts come from Node with a `code`. Client faults are
 * the caller's: a throttle is retryable, a refused value is the record's, a missing resource or a
 * denied call is the deployment's. Anything unknown is treated as retryable, so a batch is retried
 * (and lands on the DLQ after its retry limit) rather than a record being quarantined for a cause
 * that was not its own.
 */
export function classifyAwsError(error: unknown): ErrorKind {
  if (!(error instanceof Error)) return ErrorKind.retryable;
  const name = error.name;
  const message = error.message;
  if (CONFIGURATION_NAMES.has(name)) return ErrorKind.configuration;
  if (name === 'ValidationException') {
    if (WRONG_TABLE_MESSAGES.some((pattern) => pattern.test(message))) return ErrorKind.configuration;
    if (RECORD_VALIDATION_MESSAGES.some((pattern) => pattern.test(message))) return ErrorKind.record;
  }
  return ErrorKind.retryable;
}

const CONFIGURATION_NAMES = new Set([
  'AccessDeniedException',
  'AccessDenied',
  'AuthorizationError',
  'AuthorizationErrorException',
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'ResourceNotFoundException',
  'NotFoundException',
  'NotFound',
  'QueueDoesNotExist',
  'AWS.SimpleQueueService.NonExistentQueue',
  'KMSAccessDeniedException',
  'KMSDisabledException',
  'KMSNotFoundException',
  'KMSInvalidStateException',
  'ResourceInUseException',
]);

/**
 * DynamoDB's ValidationException also covers requests we built wrong (a bad expression), which is
 * our bug, not the record's; only the messages that a value or an item's size causes are the record's.
 */
const RECORD_VALIDATION_MESSAGES = [
  /Number underflow/i,
  /Number overflow/i,
  /Attempting to store more than 38 significant digits/i,
  /Item size has exceeded the maximum allowed size/i,
  /Item size to update has exceeded the maximum allowed size/i,
  /Nesting Levels have exceeded supported limits/i,
  /Size of hashkey has exceeded/i,
  /An AttributeValue may not contain an empty/i,
  /The AttributeValue for a key attribute cannot contain an empty/i,
];

/** A key that does not fit the table: the function was pointed at another table (STATE_TABLE naming the outbox, say). */
const WRONG_TABLE_MESSAGES = [/The provided key element does not match the schema/i, /Missing the key/i, /Type mismatch for key/i];

/** The reason a record is quarantined for, from its error: ours as they are, an AWS error with its name. */
export function describeError(error: unknown): string {
  if (error instanceof RiskstreamError) {
    const cause = error.cause instanceof Error ? ` (${error.cause.name}: ${error.cause.message})` : '';
    return `${error.message}${cause}`;
  }
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
