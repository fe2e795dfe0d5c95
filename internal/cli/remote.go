package cli

import (
	"context"
	"log/slog"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/lambda"
)

// newRemoteFunction connects a function with an endpoint: a Lambda Invoke
// API such as the Runtime Interface Emulator, LocalStack or AWS.
func newRemoteFunction(ctx context.Context, cfg *config.Config, f config.Function, log *slog.Logger) (remoteFunction, error) {
	region := f.Region
	if region == "" {
		region = cfg.Region
	}
	return lambda.NewRemote(ctx, lambda.RemoteOptions{Endpoint: f.Endpoint, Region: region, FunctionName: f.FunctionName, Logger: log})
}
