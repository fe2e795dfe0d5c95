package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/gateway"
	"github.com/gatehouse/gatehouse/internal/lambda"
)

// functionTable routes invocations to the local runtime or to a remote
// Invoke API, by function name. It is one configuration's view of the
// functions: a reload makes a new table from the same functionPool, which
// keeps the processes of every function whose code and settings did not
// change (reload.go).
type functionTable struct {
	pool   *functionPool
	local  map[string]*sharedHost
	remote map[string]*sharedRemote
	// fresh are the local functions whose host this table made: new, or
	// changed since the table before.
	fresh []string
	once  sync.Once
}

// remoteFunction is a function reached through a Lambda Invoke API.
type remoteFunction interface {
	Invoke(ctx context.Context, function string, payload []byte) ([]byte, *lambda.FunctionError, error)
	Close() error
}

var _ gateway.Invoker = (*functionTable)(nil)

func (t *functionTable) Invoke(ctx context.Context, function string, payload []byte) ([]byte, *lambda.FunctionError, error) {
	if r, ok := t.remote[function]; ok {
		return r.fn.Invoke(ctx, function, payload)
	}
	if h, ok := t.local[localName(function)]; ok {
		return h.host.Invoke(ctx, function, payload)
	}
	// No such function: the empty host answers as Lambda does.
	return t.pool.empty.Invoke(ctx, function, payload)
}

// localName is the function name of a name or of
// arn:aws:lambda:region:account:function:name[:$LATEST]; the host checks
// the rest. Anything else is returned as is (and is not found).
func localName(s string) string {
	if !strings.HasPrefix(s, "arn:") {
		return s
	}
	parts := strings.Split(s, ":")
	if len(parts) == 7 || len(parts) == 8 && parts[7] == "$LATEST" {
		return parts[6]
	}
	return s
}

// Close gives the table's functions back to the pool; a function no other
// table uses has its processes stopped. It is safe to call more than once.
func (t *functionTable) Close() error {
	t.once.Do(func() {
		for _, h := range t.local {
			t.pool.release(h.key)
		}
		for _, r := range t.remote {
			t.pool.release(r.key)
		}
	})
	return nil
}

// functionPool owns the function hosts of every table: one lambda.Host
// per local function, shared by the tables whose function has the same
// key (settings and code fingerprint), and stopped when the last of them
// is closed.
type functionPool struct {
	log *slog.Logger
	// empty is a host without functions, for Lambda's "Function not
	// found" answers.
	empty *lambda.Host

	mu      sync.Mutex
	hosts   map[string]*sharedHost
	remotes map[string]*sharedRemote
}

type sharedHost struct {
	key  string
	host *lambda.Host
	refs int
}

type sharedRemote struct {
	key  string
	fn   remoteFunction
	refs int
}

func newFunctionPool(cfg *config.Config, log *slog.Logger) (*functionPool, error) {
	empty, err := lambda.New(nil, lambda.Options{Region: cfg.Region, AccountID: cfg.AccountID, Logger: log})
	if err != nil {
		return nil, fmt.Errorf("functions: %w", err)
	}
	return &functionPool{log: log, empty: empty, hosts: map[string]*sharedHost{}, remotes: map[string]*sharedRemote{}}, nil
}

// table makes the function table of cfg, taking the hosts of unchanged
// functions from the pool and making new ones for the others.
func (p *functionPool) table(ctx context.Context, cfg *config.Config) (*functionTable, error) {
	t := &functionTable{pool: p, local: map[string]*sharedHost{}, remote: map[string]*sharedRemote{}}
	var errs []error
	for _, f := range cfg.Functions {
		if f.Endpoint != "" {
			r, err := p.remoteFor(ctx, cfg, f)
			if err != nil {
				errs = append(errs, fmt.Errorf("function %s: %w", f.Name, err))
				continue
			}
			t.remote[f.Name] = r
			continue
		}
		h, made, err := p.hostFor(cfg, f)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		t.local[f.Name] = h
		if made {
			t.fresh = append(t.fresh, f.Name)
		}
	}
	if len(errs) > 0 {
		t.Close()
		return nil, fmt.Errorf("functions: %w", errors.Join(errs...))
	}
	return t, nil
}

// hostFor returns the host of a local function, shared with the tables
// whose function has the same settings and code; made reports that it is
// new.
func (p *functionPool) hostFor(cfg *config.Config, f config.Function) (h *sharedHost, made bool, err error) {
	fn := lambda.Function{Name: f.Name, Runtime: f.Runtime, Handler: f.Handler, Code: f.Code,
		Environment: f.Environment, Timeout: f.Timeout, MemorySize: f.MemorySize, Concurrency: f.Concurrency}
	key := fmt.Sprintf("local %s %s %#v code %x", cfg.Region, cfg.AccountID, fn, fingerprint([]string{f.Code}))
	p.mu.Lock()
	defer p.mu.Unlock()
	if h := p.hosts[key]; h != nil {
		h.refs++
		return h, false, nil
	}
	host, err := lambda.New([]lambda.Function{fn}, lambda.Options{Region: cfg.Region, AccountID: cfg.AccountID, Logger: p.log})
	if err != nil {
		return nil, false, err
	}
	h = &sharedHost{key: key, host: host, refs: 1}
	p.hosts[key] = h
	return h, true, nil
}

func (p *functionPool) remoteFor(ctx context.Context, cfg *config.Config, f config.Function) (*sharedRemote, error) {
	f.Where = ""
	key := fmt.Sprintf("remote %s %#v", cfg.Region, f)
	p.mu.Lock()
	if r := p.remotes[key]; r != nil {
		r.refs++
		p.mu.Unlock()
		return r, nil
	}
	p.mu.Unlock()
	fn, err := newRemoteFunction(ctx, cfg, f, p.log)
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if r := p.remotes[key]; r != nil { // made meanwhile (reloads are serial; kept for safety)
		r.refs++
		_ = fn.Close()
		return r, nil
	}
	r := &sharedRemote{key: key, fn: fn, refs: 1}
	p.remotes[key] = r
	return r, nil
}

// release drops a table's use of a function; the last use stops it.
func (p *functionPool) release(key string) {
	p.mu.Lock()
	var closer interface{ Close() error }
	if h := p.hosts[key]; h != nil {
		if h.refs--; h.refs == 0 {
			delete(p.hosts, key)
			closer = h.host
		}
	} else if r := p.remotes[key]; r != nil {
		if r.refs--; r.refs == 0 {
			delete(p.remotes, key)
			closer = r.fn
		}
	}
	p.mu.Unlock()
	if closer != nil {
		_ = closer.Close() // waits for the processes to exit
	}
}

// Close stops every function process the pool still has, whichever
// tables use them.
func (p *functionPool) Close() {
	p.mu.Lock()
	var closers []interface{ Close() error }
	for _, h := range p.hosts {
		closers = append(closers, h.host)
	}
	for _, r := range p.remotes {
		closers = append(closers, r.fn)
	}
	p.hosts, p.remotes = map[string]*sharedHost{}, map[string]*sharedRemote{}
	p.mu.Unlock()
	for _, c := range closers {
		_ = c.Close()
	}
	_ = p.empty.Close()
}
