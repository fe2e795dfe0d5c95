package cli

import (
	"context"
	"errors"
	"log/slog"

	"github.com/gatehouse/gatehouse/internal/config"
)

// newRemoteFunction connects a function with an endpoint. Remote
// functions land with the Lambda issue's remote client.
func newRemoteFunction(_ context.Context, _ *config.Config, f config.Function, _ *slog.Logger) (remoteFunction, error) {
	return nil, errors.New("remote functions (endpoint: " + f.Endpoint + ") are not supported yet")
}
