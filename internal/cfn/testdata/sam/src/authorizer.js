// A Lambda TOKEN authorizer: "Bearer good" is allowed, anything else denied.
exports.handler = async (event) => ({
  principalId: "user-1",
  policyDocument: {
    Version: "2012-10-17",
    Statement: [{Action: "execute-api:Invoke", Effect: event.authorizationToken === "Bearer good" ? "Allow" : "Deny", Resource: event.methodArn}],
  },
});
