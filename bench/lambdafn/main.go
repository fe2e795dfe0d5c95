// Command lambdafn is the benchmark's Lambda function, built with
// github.com/aws/aws-lambda-go for the provided.al2023 runtime. By default
// it is a trivial API Gateway proxy handler answering like the benchmark
// backend does; with BENCH_MODE=authorizer (set in the function's
// environment) it is a Lambda TOKEN authorizer instead.
package main

import (
	"context"
	"errors"
	"os"
	"strconv"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
)

func handle(_ context.Context, ev events.APIGatewayProxyRequest) (events.APIGatewayProxyResponse, error) {
	return events.APIGatewayProxyResponse{
		StatusCode: 200,
		Headers:    map[string]string{"Content-Type": "application/json"},
		Body:       `{"ok":true,"path":` + strconv.Quote(ev.Path) + `,"from":"lambda","pad":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}`,
	}, nil
}

// benchToken is the bearer token the authorizer accepts.
const benchToken = "Bearer allow-bench"

// authorizerEvent is what the authorizer reads of a REST TOKEN or REQUEST
// authorizer event.
type authorizerEvent struct {
	Type               string            `json:"type"`
	AuthorizationToken string            `json:"authorizationToken"`
	MethodArn          string            `json:"methodArn"`
	Headers            map[string]string `json:"headers"`
}

// token is the bearer token of a TOKEN event, or the Authorization header
// of a REQUEST event.
func (ev *authorizerEvent) token() string {
	if ev.Type != "REQUEST" {
		return ev.AuthorizationToken
	}
	for k, v := range ev.Headers {
		if strings.EqualFold(k, "Authorization") {
			return v
		}
	}
	return ""
}

// authorize is a TOKEN (or REQUEST) authorizer as AWS's blueprint writes
// one: it allows benchToken with a policy covering every method of the
// stage (so that API Gateway may cache it for any route) and a small
// context, and answers "Unauthorized" (API Gateway's 401) for anything
// else.
func authorize(_ context.Context, ev authorizerEvent) (events.APIGatewayCustomAuthorizerResponse, error) {
	if ev.token() != benchToken {
		return events.APIGatewayCustomAuthorizerResponse{}, errors.New("Unauthorized")
	}
	return events.APIGatewayCustomAuthorizerResponse{
		PrincipalID: "bench-user",
		PolicyDocument: events.APIGatewayCustomAuthorizerPolicy{
			Version: "2012-10-17",
			Statement: []events.IAMPolicyStatement{{
				Action:   []string{"execute-api:Invoke"},
				Effect:   "Allow",
				Resource: []string{stageARN(ev.MethodArn) + "/*"},
			}},
		},
		Context: map[string]any{"tier": "gold", "quota": 1000, "beta": true},
	}, nil
}

// stageARN cuts a method ARN (arn:aws:execute-api:region:account:api/stage/
// METHOD/path) after its stage.
func stageARN(methodARN string) string {
	arn, rest, ok := strings.Cut(methodARN, ":execute-api:")
	if !ok {
		return methodARN
	}
	parts := strings.SplitN(rest, "/", 3)
	if len(parts) < 2 {
		return methodARN
	}
	return arn + ":execute-api:" + parts[0] + "/" + parts[1]
}

func main() {
	if os.Getenv("BENCH_MODE") == "authorizer" {
		lambda.Start(authorize)
		return
	}
	lambda.Start(handle)
}
