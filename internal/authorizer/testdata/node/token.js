// A TOKEN authorizer in the callback style, after the example of "Use API
// Gateway Lambda authorizers" (TOKEN authorizer Lambda function), with extra
// tokens for gatehouse's tests.
exports.handler = function(event, context, callback) {
    var token = event.authorizationToken;
    switch (token) {
        case 'allow':
            callback(null, generatePolicy('user', 'Allow', event.methodArn));
            break;
        case 'deny':
            callback(null, generatePolicy('user', 'Deny', event.methodArn));
            break;
        case 'wildcard':
            // Allows every method of the stage: a cached policy then
            // admits other methods too.
            var arn = event.methodArn.split('/').slice(0, 2).join('/') + '/*';
            callback(null, generatePolicy('user', 'Allow', arn));
            break;
        case 'get-only':
            var getArn = event.methodArn.split('/').slice(0, 2).join('/') + '/GET/*';
            callback(null, generatePolicy('user', 'Allow', getArn));
            break;
        case 'unauthorized':
            callback("Unauthorized");   // Return a 401 Unauthorized response
            break;
        case 'throw-unauthorized':
            throw new Error("Unauthorized");
        case 'no-principal':
            var p = generatePolicy('user', 'Allow', event.methodArn);
            delete p.principalId;
            callback(null, p);
            break;
        case 'bad-policy':
            callback(null, {principalId: 'user', policyDocument: {Version: '2012-10-17', Statement: [{Effect: 'Maybe'}]}});
            break;
        case 'object-context':
            var o = generatePolicy('user', 'Allow', event.methodArn);
            o.context = {nested: {a: 1}};
            callback(null, o);
            break;
        case 'slow':
            setTimeout(function() { callback(null, generatePolicy('user', 'Allow', event.methodArn)); }, 5000);
            break;
        default:
            callback("Error: Invalid token"); // Return a 500 Invalid token response
    }
};

// Help function to generate an IAM policy
var generatePolicy = function(principalId, effect, resource) {
    var authResponse = {};
    authResponse.principalId = principalId;
    if (effect && resource) {
        var policyDocument = {};
        policyDocument.Version = '2012-10-17';
        policyDocument.Statement = [];
        var statementOne = {};
        statementOne.Action = 'execute-api:Invoke';
        statementOne.Effect = effect;
        statementOne.Resource = resource;
        policyDocument.Statement[0] = statementOne;
        authResponse.policyDocument = policyDocument;
    }
    // Optional output with custom properties of the String, Number or Boolean type.
    authResponse.context = {
        "stringKey": "stringval",
        "numberKey": 123,
        "booleanKey": true
    };
    return authResponse;
};
