// Seed 001's flow with the AWS SDK for JavaScript, pointed at gatehouse's
// awsEndpoints listener by endpoint override and otherwise unchanged:
//
//   1. sign in to the user pool (v3 InitiateAuth, USER_PASSWORD_AUTH),
//   2. trade the ID token at the identity pool (v3 GetId +
//      GetCredentialsForIdentity),
//   3. sign a request for the API's execute-api host with
//      @smithy/signature-v4 and send it to the gateway's address (the
//      seed's proxy trick: signed for one host, sent to another),
//   4. seed 001's own aws-sdk (v2) CognitoIdentity.getCredentialsForIdentity
//      call, and a second signed request with its credentials.
//
// Usage: node seed001.mjs  (settings in the environment, see below).
// Prints one JSON object with what each step got.
import http from "node:http";
import { CognitoIdentityProviderClient, InitiateAuthCommand } from "@aws-sdk/client-cognito-identity-provider";
import { CognitoIdentityClient, GetIdCommand, GetCredentialsForIdentityCommand } from "@aws-sdk/client-cognito-identity";
import { SignatureV4 } from "@smithy/signature-v4";
import { HttpRequest } from "@smithy/protocol-http";
import { Sha256 } from "@aws-crypto/sha256-js";
import AWS from "aws-sdk";

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
};
const ENDPOINT = env("AWS_ENDPOINT");         // http://127.0.0.1:4566
const REGION = env("REGION");
const CLIENT_ID = env("CLIENT_ID");
const USER_POOL_ID = env("USER_POOL_ID");
const IDENTITY_POOL_ID = env("IDENTITY_POOL_ID");
const USERNAME = env("COGNITO_USERNAME");
const PASSWORD = env("COGNITO_PASSWORD");
const API_HOST = env("API_HOST");             // the host signed for
const GATEWAY = new URL(env("GATEWAY_URL"));  // where the request goes
const API_PATH = env("API_PATH");

// No AWS account credentials: the Cognito calls are unauthenticated.
const anonymous = { accessKeyId: "", secretAccessKey: "" };

async function signAndSend(credentials) {
  const request = new HttpRequest({
    method: "GET",
    protocol: "http:",
    hostname: API_HOST,
    path: API_PATH,
    headers: { host: API_HOST },
  });
  const signer = new SignatureV4({ credentials, region: REGION, service: "execute-api", sha256: Sha256 });
  const signed = await signer.sign(request);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: GATEWAY.hostname, port: GATEWAY.port, method: signed.method, path: signed.path, headers: signed.headers },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (c) => (body += c));
        res.on("end", () => resolve({ status: res.statusCode, body }));
      },
    );
    req.on("error", reject);
    req.end();
  });
}

const out = {};
const idp = new CognitoIdentityProviderClient({ region: REGION, endpoint: ENDPOINT, credentials: anonymous });
const auth = await idp.send(new InitiateAuthCommand({
  AuthFlow: "USER_PASSWORD_AUTH",
  ClientId: CLIENT_ID,
  AuthParameters: { USERNAME, PASSWORD },
}));
const idToken = auth.AuthenticationResult.IdToken;
out.tokenType = auth.AuthenticationResult.TokenType;

try {
  await idp.send(new InitiateAuthCommand({
    AuthFlow: "USER_PASSWORD_AUTH", ClientId: CLIENT_ID, AuthParameters: { USERNAME, PASSWORD: "wrong" },
  }));
  out.wrongPassword = "accepted";
} catch (e) {
  out.wrongPassword = `${e.name}: ${e.message}`;
}

const logins = { [`cognito-idp.${REGION}.amazonaws.com/${USER_POOL_ID}`]: idToken };
const ci = new CognitoIdentityClient({ region: REGION, endpoint: ENDPOINT, credentials: anonymous });
const { IdentityId } = await ci.send(new GetIdCommand({ IdentityPoolId: IDENTITY_POOL_ID, Logins: logins }));
out.identityId = IdentityId;
const { Credentials } = await ci.send(new GetCredentialsForIdentityCommand({ IdentityId, Logins: logins }));
out.accessKeyPrefix = Credentials.AccessKeyId.slice(0, 4);
out.v3 = await signAndSend({
  accessKeyId: Credentials.AccessKeyId,
  secretAccessKey: Credentials.SecretKey,
  sessionToken: Credentials.SessionToken,
});

// Seed 001's getCredentials, with aws-sdk v2.
const cognitoidentity = new AWS.CognitoIdentity({ region: REGION, endpoint: ENDPOINT });
const response = await cognitoidentity.getCredentialsForIdentity({ IdentityId, Logins: logins }).promise();
const v2creds = {
  accessKeyId: response.Credentials.AccessKeyId,
  secretAccessKey: response.Credentials.SecretKey,
  sessionToken: response.Credentials.SessionToken,
  expiration: response.Credentials.Expiration,
};
out.v2Expiration = v2creds.expiration instanceof Date ? "Date" : typeof v2creds.expiration;
out.v2 = await signAndSend(v2creds);

process.stdout.write(JSON.stringify(out) + "\n");
