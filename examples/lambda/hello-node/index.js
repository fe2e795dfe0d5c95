// A Lambda proxy handler exactly as it would be deployed to AWS.
exports.handler = async (event, context) => {
  switch (event.path) {
    case '/fail':
      throw new Error('something broke');
    case '/bad':
      return 'not a proxy response';
    case '/slow':
      await new Promise((resolve) => setTimeout(resolve, 5000));
      return { statusCode: 200, body: 'too late' };
  }
  return {
    statusCode: 200,
    headers: { 'Content-Type': 'application/json', 'X-Request-Id': context.awsRequestId },
    multiValueHeaders: { 'Set-Cookie': ['a=1', 'b=2'] },
    body: JSON.stringify({
      message: 'hello from node',
      method: event.httpMethod,
      path: event.path,
      resource: event.resource,
      pathParameters: event.pathParameters,
      query: event.queryStringParameters,
      stage: event.requestContext.stage,
      body: event.body,
      function: context.functionName,
    }),
  };
};
