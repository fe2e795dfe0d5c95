// gatehouse Node.js bootstrap: a Lambda runtime client written for gatehouse.
//
// It loads the handler named by _HANDLER ("path/file.export") from
// LAMBDA_TASK_ROOT (CommonJS .js/.cjs or ES module .mjs), then loops over the
// Lambda Runtime API at AWS_LAMBDA_RUNTIME_API using only node:http.
// See docs/lambda-runtime.md for the behaviour it reproduces.
'use strict';

const http = require('node:http');
const fs = require('node:fs');
const path = require('node:path');
const { pathToFileURL } = require('node:url');

const API_PREFIX = '/2018-06-01/runtime';
const [apiHost, apiPort] = (() => {
  const v = process.env.AWS_LAMBDA_RUNTIME_API || '';
  const i = v.lastIndexOf(':');
  return [v.slice(0, i), Number(v.slice(i + 1))];
})();
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function call(method, p, body, headers) {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: apiHost, port: apiPort, method, path: API_PREFIX + p, agent, headers: headers || {} },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

// errorDocument turns anything thrown or passed to callback(err) into the
// {errorType, errorMessage, trace} document of the Lambda Node.js runtimes.
function errorDocument(err) {
  try {
    if (err instanceof Error || (err && typeof err === 'object' && typeof err.stack === 'string' && 'message' in err)) {
      return {
        errorType: String(err.name || 'Error'),
        errorMessage: String(err.message ?? ''),
        trace: String(err.stack || '').split('\n'),
      };
    }
    return { errorType: typeof err, errorMessage: String(err), trace: [] };
  } catch (_e) {
    return { errorType: 'handled', errorMessage: 'the error value could not be read' };
  }
}

function typedError(type, message, cause) {
  const e = new Error(message);
  e.name = type;
  if (cause && cause.stack) e.stack = type + ': ' + message + '\n' + String(cause.stack).split('\n').slice(1).join('\n');
  return e;
}

async function postError(p, err) {
  const doc = errorDocument(err);
  const body = JSON.stringify(doc);
  console.error('ERROR\tInvoke Error\t' + body);
  await call('POST', p, body, {
    'Content-Type': 'application/json',
    'Lambda-Runtime-Function-Error-Type': doc.errorType,
  });
}

async function loadModule(taskRoot, modPath) {
  const base = path.resolve(taskRoot, modPath);
  for (const ext of ['.js', '.mjs', '.cjs']) {
    const file = base + ext;
    if (!fs.existsSync(file)) continue;
    if (ext === '.mjs') return import(pathToFileURL(file).href);
    try {
      return require(file);
    } catch (e) {
      if (e && (e.code === 'ERR_REQUIRE_ESM' || e.code === 'ERR_REQUIRE_ASYNC_MODULE')) {
        return import(pathToFileURL(file).href);
      }
      throw e;
    }
  }
  // Let Node resolve directories and node_modules the usual way.
  try {
    return require(base);
  } catch (e) {
    if (e && e.code === 'MODULE_NOT_FOUND' && String(e.message).includes(base)) {
      throw typedError('Runtime.ImportModuleError', "Error: Cannot find module '" + modPath + "'", e);
    }
    throw e;
  }
}

async function loadHandler() {
  const spec = process.env._HANDLER || '';
  const taskRoot = process.env.LAMBDA_TASK_ROOT || process.cwd();
  const slash = spec.lastIndexOf('/');
  const dot = spec.indexOf('.', slash + 1);
  if (dot <= slash + 1 || dot === spec.length - 1) {
    throw typedError('Runtime.MalformedHandlerName', "Bad handler '" + spec + "'");
  }
  const modPath = spec.slice(0, dot);
  const names = spec.slice(dot + 1).split('.');
  let mod;
  try {
    mod = await loadModule(taskRoot, modPath);
  } catch (e) {
    if (e && e.name === 'SyntaxError') {
      throw typedError('Runtime.UserCodeSyntaxError', 'SyntaxError: ' + e.message, e);
    }
    if (e && e.code === 'MODULE_NOT_FOUND') {
      throw typedError('Runtime.ImportModuleError', 'Error: ' + e.message, e);
    }
    throw e;
  }
  let fn = mod;
  for (const n of names) fn = fn == null ? undefined : fn[n];
  if (typeof fn !== 'function' && names.length === 1 && mod && mod.default) {
    fn = mod.default[names[0]];
  }
  if (typeof fn !== 'function') {
    throw typedError('Runtime.HandlerNotFound', spec + ' is undefined or not exported');
  }
  return fn;
}

// emptyLoopWaiter is called by 'beforeExit' (the event loop has drained).
let emptyLoopWaiter = null;
let inInvoke = null;
process.on('beforeExit', () => {
  const w = emptyLoopWaiter;
  emptyLoopWaiter = null;
  if (w) {
    w();
    return;
  }
  if (inInvoke) {
    // A promise that never settles and nothing left to run: report it
    // instead of exiting silently.
    const id = inInvoke;
    inInvoke = null;
    postError('/invocation/' + id + '/error', typedError(
      'Runtime.NodeJsExit',
      'The handler returned a promise that never settled and Node.js had nothing left to run',
    )).catch(() => process.exit(129));
  }
});

function runHandler(handler, event, context) {
  return new Promise((resolve) => {
    let finished = false;
    const finish = (err, value) => {
      if (finished) return;
      finished = true;
      emptyLoopWaiter = null;
      resolve({ err, value });
    };
    let called = false;
    const callback = (err, value) => {
      if (called) return;
      called = true;
      if (context.callbackWaitsForEmptyEventLoop) {
        emptyLoopWaiter = () => finish(err, value);
      } else {
        finish(err, value);
      }
    };
    context.succeed = (v) => callback(null, v);
    context.fail = (e) => callback(e == null ? 'handled' : e);
    context.done = (e, v) => callback(e, v);
    let ret;
    try {
      ret = handler(event, context, callback);
    } catch (e) {
      finish(e == null ? new Error('null thrown') : e);
      return;
    }
    if (ret && typeof ret.then === 'function') {
      ret.then(
        (v) => finish(null, v),
        (e) => finish(e == null ? new Error('promise rejected with ' + e) : e),
      );
    } else if (!called) {
      // A synchronous handler that never calls back answers null once the
      // event loop is empty, as Lambda does.
      emptyLoopWaiter = () => finish(null, null);
    }
  });
}

function makeContext(headers, id) {
  const deadline = Number(headers['lambda-runtime-deadline-ms']);
  const ctx = {
    callbackWaitsForEmptyEventLoop: true,
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
    invokedFunctionArn: headers['lambda-runtime-invoked-function-arn'],
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    awsRequestId: id,
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
    identity: undefined,
    clientContext: undefined,
    getRemainingTimeInMillis: () => deadline - Date.now(),
  };
  if (headers['lambda-runtime-cognito-identity']) {
    try { ctx.identity = JSON.parse(headers['lambda-runtime-cognito-identity']); } catch (_e) { /* keep undefined */ }
  }
  if (headers['lambda-runtime-client-context']) {
    try { ctx.clientContext = JSON.parse(headers['lambda-runtime-client-context']); } catch (_e) { /* keep undefined */ }
  }
  return ctx;
}

async function main() {
  let handler;
  try {
    handler = await loadHandler();
  } catch (e) {
    await postError('/init/error', e);
    process.exit(1);
  }
  for (;;) {
    const next = await call('GET', '/invocation/next');
    if (next.status !== 200) {
      console.error('runtime API /next answered ' + next.status + ': ' + next.body.toString());
      process.exit(2);
    }
    const id = next.headers['lambda-runtime-aws-request-id'];
    inInvoke = id;
    if (next.headers['lambda-runtime-trace-id']) process.env._X_AMZN_TRACE_ID = next.headers['lambda-runtime-trace-id'];
    else delete process.env._X_AMZN_TRACE_ID;
    let event;
    try {
      event = JSON.parse(next.body.toString('utf8'));
    } catch (e) {
      inInvoke = null;
      await postError('/invocation/' + id + '/error', typedError('Runtime.UnmarshalError', 'Unable to parse event: ' + e.message));
      continue;
    }
    const { err, value } = await runHandler(handler, event, makeContext(next.headers, id));
    if (inInvoke !== id) continue; // already reported (NodeJsExit)
    inInvoke = null;
    if (err != null) {
      await postError('/invocation/' + id + '/error', err);
      continue;
    }
    let body;
    try {
      body = JSON.stringify(value === undefined ? null : value);
    } catch (e) {
      await postError('/invocation/' + id + '/error', e);
      continue;
    }
    await call('POST', '/invocation/' + id + '/response', body, { 'Content-Type': 'application/json' });
  }
}

process.on('unhandledRejection', (reason) => {
  const id = inInvoke;
  console.error('ERROR\tUnhandled Promise Rejection\t' + JSON.stringify(errorDocument(reason)));
  if (id) {
    inInvoke = null;
    postError('/invocation/' + id + '/error', reason).finally(() => process.exit(128));
  } else {
    process.exit(128);
  }
});

process.on('uncaughtException', (err) => {
  const id = inInvoke;
  console.error('ERROR\tUncaught Exception\t' + JSON.stringify(errorDocument(err)));
  if (id) {
    inInvoke = null;
    postError('/invocation/' + id + '/error', err).finally(() => process.exit(129));
  } else {
    process.exit(129);
  }
});

main().catch((e) => {
  console.error('gatehouse bootstrap: ' + (e && e.stack ? e.stack : e));
  process.exit(1);
});
