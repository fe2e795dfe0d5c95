// Async handlers for gatehouse's runtime tests.
const { spawn } = require('node:child_process');

exports.handler = async (event, context) => {
  switch (event.action) {
    case 'context':
      return {
        awsRequestId: context.awsRequestId,
        functionName: context.functionName,
        functionVersion: context.functionVersion,
        invokedFunctionArn: context.invokedFunctionArn,
        memoryLimitInMB: context.memoryLimitInMB,
        logGroupName: context.logGroupName,
        logStreamName: context.logStreamName,
        callbackWaitsForEmptyEventLoop: context.callbackWaitsForEmptyEventLoop,
        remaining: context.getRemainingTimeInMillis(),
        traceId: process.env._X_AMZN_TRACE_ID,
      };
    case 'env':
      return process.env;
    case 'pid':
      return { pid: process.pid };
    case 'throw':
      throw new TypeError('bad thing');
    case 'sleep':
      await new Promise((r) => setTimeout(r, event.millis));
      return { slept: true };
    case 'never':
      return new Promise(() => {});
    case 'exit':
      process.exit(7);
    case 'print':
      process.stdout.write(('z'.repeat(1023) + '\n').repeat(event.bytes / 1024));
      return { printed: true };
    case 'child': {
      const c = spawn('sleep', ['60'], { stdio: 'ignore' });
      return { pid: process.pid, child: c.pid };
    }
    case 'undefined':
      return undefined;
  }
  console.log('echo', JSON.stringify(event));
  return event;
};

// callbackStyle answers through callback after pending work completes.
exports.callbackStyle = function (event, context, callback) {
  if (event.action === 'error') {
    callback(new Error('callback failure'));
    return;
  }
  if (event.action === 'string') {
    callback('Unauthorized');
    return;
  }
  if (event.action === 'nowait') {
    context.callbackWaitsForEmptyEventLoop = false;
    setTimeout(() => {}, 2000);
    callback(null, { waited: false });
    return;
  }
  // Lambda serializes the result only once the event loop is empty, so the
  // timer's change is part of the response.
  const res = { late: false };
  setTimeout(() => { res.late = true; }, 100);
  callback(null, res);
};

exports.nested = { deeper: async () => 'nested ok' };
exports.notAFunction = 42;

// echo is the benchmark handler: the event back, nothing else.
exports.echo = async (event) => event;
