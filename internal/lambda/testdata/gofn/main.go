// Command gofn is a Lambda function for gatehouse's runtime tests, built with
// github.com/aws/aws-lambda-go for the provided.al2023 runtime.
//
// The event's "action" field selects what the handler does; any other event
// is echoed back.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambdacontext"
)

type event struct {
	Action string `json:"action"`
	Millis int    `json:"millis"`
	Bytes  int    `json:"bytes"`
}

func handle(ctx context.Context, raw json.RawMessage) (any, error) {
	var ev event
	_ = json.Unmarshal(raw, &ev)
	switch ev.Action {
	case "context":
		lc, _ := lambdacontext.FromContext(ctx)
		deadline, _ := ctx.Deadline()
		return map[string]any{
			"awsRequestId":       lc.AwsRequestID,
			"invokedFunctionArn": lc.InvokedFunctionArn,
			"functionName":       lambdacontext.FunctionName,
			"functionVersion":    lambdacontext.FunctionVersion,
			"memoryLimitInMB":    lambdacontext.MemoryLimitInMB,
			"logGroupName":       lambdacontext.LogGroupName,
			"logStreamName":      lambdacontext.LogStreamName,
			"remainingMillis":    time.Until(deadline).Milliseconds(),
		}, nil
	case "env":
		env := map[string]string{}
		for _, kv := range os.Environ() {
			k, v, _ := strings.Cut(kv, "=")
			env[k] = v
		}
		return env, nil
	case "pid":
		return map[string]int{"pid": os.Getpid()}, nil
	case "error":
		return nil, errors.New("boom")
	case "panic":
		panic("kaboom")
	case "sleep":
		time.Sleep(time.Duration(ev.Millis) * time.Millisecond)
		return map[string]string{"slept": "ok"}, nil
	case "exit":
		fmt.Fprintln(os.Stderr, "exiting mid-request")
		os.Exit(3)
	case "big":
		return strings.Repeat("x", ev.Bytes), nil
	case "print":
		line := strings.Repeat("y", 1023)
		for i := 0; i < ev.Bytes/1024; i++ {
			fmt.Println(line)
		}
		return map[string]string{"printed": "ok"}, nil
	}
	return raw, nil
}

func main() {
	lambda.Start(handle)
}
