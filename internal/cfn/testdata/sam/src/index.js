// Answers with what API Gateway sent (REST payload 1.0 or HTTP API 2.0).
exports.handler = async (event) => ({
  statusCode: 200,
  headers: {"Content-Type": "application/json"},
  body: JSON.stringify({
    version: event.version || "1.0",
    route: event.routeKey || event.resource,
    stage: event.requestContext.stage,
    name: event.pathParameters ? event.pathParameters.name : null,
    principal: event.requestContext.authorizer ? event.requestContext.authorizer.principalId || null : null,
    message: process.env.MESSAGE,
    table: process.env.TABLE_NAME,
  }),
});
