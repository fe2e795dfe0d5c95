// Command lambdafn is the benchmark's Lambda function: a trivial API
// Gateway proxy handler built with github.com/aws/aws-lambda-go for the
// provided.al2023 runtime, answering like the benchmark backend does.
package main

import (
	"context"
	"strconv"

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

func main() {
	lambda.Start(handle)
}
