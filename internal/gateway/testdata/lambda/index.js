// Handlers for the gateway's Lambda tests, written as they would be
// deployed to AWS.

// custom is a non-proxy (custom integration) handler: the event is the
// integration request payload, the result or the thrown error is what the
// integration responses map.
exports.custom = async (event) => {
  switch (event.action) {
    case 'bad':
      throw new Error('[BadRequest] name is required');
    case 'conflict':
      throw new Error(JSON.stringify({ httpStatus: 409, errorType: 'Conflict', trace: { function: 'abc()', line: 123 } }));
    case 'multiline':
      throw new Error('[BadRequest] first line\nsecond line');
    case 'boom':
      throw new Error('boom');
    case 'slow':
      await new Promise((resolve) => setTimeout(resolve, 3000));
      return { late: true };
    case 'image':
      // Binary data from a custom integration: a base64 string.
      return Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0xff]).toString('base64');
  }
  return { received: event };
};

// proxy is a Lambda proxy handler that reports how the body arrived and
// returns binary data base64-encoded, as AWS requires.
exports.proxy = async (event) => {
  const path = event.rawPath || event.path;
  if (path.endsWith('/teapot')) {
    return { statusCode: 418, body: 'short and stout' };
  }
  if (path.endsWith('/image')) {
    return {
      statusCode: 200,
      headers: { 'Content-Type': 'image/png' },
      body: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0xff]).toString('base64'),
      isBase64Encoded: true,
    };
  }
  return {
    statusCode: 200,
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ isBase64Encoded: event.isBase64Encoded, body: event.body }),
  };
};
