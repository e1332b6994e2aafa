import {
  ConditionalCheckFailedException,
  DynamoDBServiceException,
  InternalServerError,
  ProvisionedThroughputExceededException,
  ResourceNotFoundException,
} from '@aws-sdk/client-dynamodb';
import { classifyAwsError, ConfigurationError, errorKind, RecordError, RetryableError } from '../../../shared/errors';

const meta = { $metadata: {} };

function validationException(message: string): DynamoDBServiceException {
  return new DynamoDBServiceException({ name: 'ValidationException', $fault: 'client', message, ...meta });
}

describe('classifyAwsError', () => {
  it.each([
    ['throttling', new ProvisionedThroughputExceededException({ message: 'slow down', ...meta })],
    ['a 5xx', new InternalServerError({ message: 'oops', ...meta })],
    ['a timeout', Object.assign(new Error('socket hang up'), { name: 'TimeoutError' })],
    ['a refused connection', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' })],
    ['a validation error of our own making', validationException('Invalid UpdateExpression: Syntax error')],
    ['a lost condition', new ConditionalCheckFailedException({ message: 'The conditional request failed', ...meta })],
    ['something that is not an Error', 'a string'],
  ])('retries %s', (_case, error) => {
    expect(classifyAwsError(error)).toBe('retryable');
  });

  it.each([
    ['a number below 1e-130', 'Number underflow. Attempting to store a number with magnitude smaller than supported range'],
    ['a number above 1e126', 'Number overflow. Attempting to store a number with magnitude larger than supported range'],
    ['an item over 400 KB', 'Item size has exceeded the maximum allowed size'],
    [
      'an empty key',
      'One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value.',
    ],
  ])("blames the record for %s (DynamoDB's message)", (_case, message) => {
    expect(classifyAwsError(validationException(message))).toBe('record');
  });

  it.each([
    ['a missing table', new ResourceNotFoundException({ message: 'Requested resource not found', ...meta })],
    ['access denied', new DynamoDBServiceException({ name: 'AccessDeniedException', $fault: 'client', message: 'no', ...meta })],
    ['a missing queue', Object.assign(new Error('The specified queue does not exist.'), { name: 'QueueDoesNotExist' })],
    ['a key that fits another table', validationException('The provided key element does not match the schema')],
    [
      'a key attribute missing from the item',
      validationException('One or more parameter values were invalid: Missing the key pk in the item'),
    ],
    ['a table being deleted', new DynamoDBServiceException({ name: 'ResourceInUseException', $fault: 'client', message: 'x', ...meta })],
  ])('blames the configuration for %s', (_case, error) => {
    expect(classifyAwsError(error)).toBe('configuration');
  });
});

describe('errorKind', () => {
  it('reads the kind our own errors carry, whatever their cause', () => {
    const cause = new ResourceNotFoundException({ message: 'gone', ...meta });

    expect([new RetryableError('r', { cause }), new RecordError('x'), new ConfigurationError('c')].map(errorKind)).toEqual([
      'retryable',
      'record',
      'configuration',
    ]);
  });
});
