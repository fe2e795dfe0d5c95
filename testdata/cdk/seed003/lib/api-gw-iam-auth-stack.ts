import * as cdk from "aws-cdk-lib";
import {
  CorsHttpMethod,
  HttpApi,
  HttpMethod,
  HttpNoneAuthorizer,
} from "aws-cdk-lib/aws-apigatewayv2";
import { HttpIamAuthorizer } from "aws-cdk-lib/aws-apigatewayv2-authorizers";
import { HttpLambdaIntegration } from "aws-cdk-lib/aws-apigatewayv2-integrations";
import { Runtime } from "aws-cdk-lib/aws-lambda";
import { NodejsFunction } from "aws-cdk-lib/aws-lambda-nodejs";
import { Construct } from "constructs";

export class ApiGwIamAuthStack extends cdk.Stack {
  constructor(scope: Construct, id: string, props?: cdk.StackProps) {
    super(scope, id, props);

    const apiHandlerFn = new NodejsFunction(this, "apigw-handler", {
      runtime: Runtime.NODEJS_20_X,
      entry: `${__dirname}/api-handler-fn.ts`,
    });

    const lambdaFnIntegration = new HttpLambdaIntegration(
      "api-handler",
      apiHandlerFn,
    );

    // The code that defines your stack goes here
    const api = new HttpApi(this, "humbleinvestor-blogs-api", {
      // add your CORS config
      corsPreflight: {
        // these headers are allowed to be sent
        allowHeaders: [
          "Authorization",
          "X-Amz-Date",
          "Content-Type",
          "x-requested-with",
        ],
        allowMethods: [CorsHttpMethod.ANY],
        // specify your domains in the array
        allowOrigins: ["http://localhost:5173"],
        maxAge: cdk.Duration.days(1),
      },
      // rest is same
      defaultAuthorizer: new HttpIamAuthorizer(),
      defaultIntegration: lambdaFnIntegration,
    });

    api.addRoutes({
      path: "/{proxy+}",
      methods: [HttpMethod.OPTIONS],
      authorizer: new HttpNoneAuthorizer(),
      integration: lambdaFnIntegration,
    });

    new cdk.CfnOutput(this, "API_URL", {
      value: api.url!,
    });
  }
}
