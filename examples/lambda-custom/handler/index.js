// A Lambda function behind a non-proxy (custom) integration, exactly as it
// would be deployed to AWS: it receives what the request template builds
// and returns plain data. Errors carry their HTTP meaning in a prefix that
// the integration responses' selection patterns read.
const taken = new Set(['admin', 'root']);

exports.handler = async (event) => {
  const name = String(event.name ?? '').trim();
  if (name === '') {
    throw new Error('[BadRequest] name is required');
  }
  if (taken.has(name)) {
    throw new Error(`[Conflict] ${name} is already taken`);
  }
  return { name, greeting: `hello, ${name}`, stage: event.stage, requestId: event.requestId };
};
