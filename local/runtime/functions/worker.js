'use strict';
// One Lambda execution environment: loads the bundle once (the init phase), then runs one
// invocation per message. Plain CommonJS: a worker entry cannot be TypeScript without a loader.
// The worker's process.env is the function's own (Worker option `env`), NODE_PATH included.
const { parentPort, workerData } = require('node:worker_threads');
const { join } = require('node:path');

if (/--enable-source-maps/.test(process.env.NODE_OPTIONS || '')) process.setSourceMapsEnabled(true);

const errorOf = (error) =>
  error instanceof Error ? { name: error.name, message: error.message, stack: error.stack } : { name: 'Error', message: String(error) };

let handler;
try {
  const [file, name] = workerData.handler.split('.');
  handler = require(join(workerData.taskRoot, file))[name];
  if (typeof handler !== 'function')
    throw Object.assign(new Error(`${workerData.handler} is undefined or not exported`), { name: 'Runtime.HandlerNotFound' });
  parentPort.postMessage({ type: 'ready' });
} catch (error) {
  parentPort.postMessage({ type: 'init-error', error: errorOf(error) });
}

parentPort.on('message', ({ id, event, context }) => {
  const lambdaContext = {
    ...context,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, context.deadline - Date.now()),
  };
  delete lambdaContext.deadline;
  new Promise((resolve, reject) => {
    const returned = handler(JSON.parse(event), lambdaContext, (error, result) => (error ? reject(error) : resolve(result)));
    if (returned && typeof returned.then === 'function') returned.then(resolve, reject);
  })
    .then((result) => parentPort.postMessage({ id, ok: true, result: JSON.stringify(result === undefined ? null : result) }))
    .catch((error) => parentPort.postMessage({ id, ok: false, error: errorOf(error) }));
});
