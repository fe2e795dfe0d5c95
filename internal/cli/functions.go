package cli

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/gateway"
	"github.com/gatehouse/gatehouse/internal/lambda"
)

// functionTable routes invocations to the local runtime or to a remote
// Invoke API, by function name.
type functionTable struct {
	local  *lambda.Host
	remote map[string]remoteFunction
}

// remoteFunction is a function reached through a Lambda Invoke API.
type remoteFunction interface {
	Invoke(ctx context.Context, function string, payload []byte) ([]byte, *lambda.FunctionError, error)
}

var _ gateway.Invoker = (*functionTable)(nil)

func (t *functionTable) Invoke(ctx context.Context, function string, payload []byte) ([]byte, *lambda.FunctionError, error) {
	if r, ok := t.remote[function]; ok {
		return r.Invoke(ctx, function, payload)
	}
	return t.local.Invoke(ctx, function, payload)
}

// Close stops the local function processes.
func (t *functionTable) Close() error {
	return t.local.Close()
}

// newFunctionTable prepares the configured functions; local ones start on
// their first invocation.
func newFunctionTable(ctx context.Context, cfg *config.Config, log *slog.Logger) (*functionTable, error) {
	var local []lambda.Function
	t := &functionTable{remote: map[string]remoteFunction{}}
	for _, f := range cfg.Functions {
		if f.Endpoint != "" {
			r, err := newRemoteFunction(ctx, cfg, f, log)
			if err != nil {
				return nil, fmt.Errorf("function %s: %w", f.Name, err)
			}
			t.remote[f.Name] = r
			continue
		}
		local = append(local, lambda.Function{Name: f.Name, Runtime: f.Runtime, Handler: f.Handler, Code: f.Code,
			Environment: f.Environment, Timeout: f.Timeout, MemorySize: f.MemorySize, Concurrency: f.Concurrency})
	}
	host, err := lambda.New(local, lambda.Options{Region: cfg.Region, AccountID: cfg.AccountID, Logger: log})
	if err != nil {
		return nil, fmt.Errorf("functions: %w", err)
	}
	t.local = host
	return t, nil
}
