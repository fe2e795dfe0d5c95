package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/gateway"
	"github.com/gatehouse/gatehouse/internal/rawheader"
)

// liveGateway serves the current generation: a Gateway with its Plan and
// function table. A reload builds the next generation beside it and swaps
// it in with one atomic store; a request keeps the generation it started
// on, and a generation is retired (its idle connections closed, its
// changed functions stopped) when its last request ends.
type liveGateway struct {
	cur   atomic.Pointer[generation]
	opts  gateway.Options // without Functions, which are per generation
	sinks *gateway.LogSinks
	pool  *functionPool
	log   *slog.Logger

	mu     sync.Mutex // serialises reloads against each other and Close
	closed bool       // guarded by mu
	// stopCtx ends when Close begins, for the prewarms still running.
	stopCtx context.Context
	stop    context.CancelFunc

	retireMu  sync.Mutex // orders retiring.Add against Close
	shut      bool       // guarded by retireMu
	retiring  sync.WaitGroup
	closeOnce sync.Once
}

// generation is one configuration being served.
type generation struct {
	live *liveGateway
	gw   *gateway.Gateway
	fns  *functionTable
	plan *gateway.Plan
	cfg  *config.Config
	// refs is 1 while the generation is current, plus one per request
	// in flight on it; at 0 it is retired, and never used again.
	refs atomic.Int64
}

// newLiveGateway makes the first generation of cfg and plan. opts must not
// set Functions: each generation has its own table.
func newLiveGateway(ctx context.Context, cfg *config.Config, plan *gateway.Plan, opts gateway.Options, sinks *gateway.LogSinks, log *slog.Logger) (*liveGateway, error) {
	pool, err := newFunctionPool(cfg, log)
	if err != nil {
		return nil, err
	}
	l := &liveGateway{opts: opts, sinks: sinks, pool: pool, log: log}
	l.stopCtx, l.stop = context.WithCancel(context.Background())
	g, err := l.build(ctx, cfg, plan)
	if err != nil {
		l.stop()
		pool.Close()
		return nil, err
	}
	l.cur.Store(g)
	return l, nil
}

// build makes a generation; the function table takes the unchanged
// functions' hosts from the pool.
func (l *liveGateway) build(ctx context.Context, cfg *config.Config, plan *gateway.Plan) (*generation, error) {
	fns, err := l.pool.table(ctx, cfg)
	if err != nil {
		return nil, err
	}
	opts := l.opts
	if len(cfg.Functions) > 0 {
		opts.Functions = fns
	}
	gw, err := gateway.New(plan, opts)
	if err != nil {
		fns.Close()
		return nil, err
	}
	g := &generation{live: l, gw: gw, fns: fns, plan: plan, cfg: cfg}
	g.refs.Store(1)
	return g, nil
}

// ServeHTTP serves r on the current generation, which stays alive until
// the response is written.
func (l *liveGateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g := l.acquire()
	defer g.release()
	g.gw.ServeHTTP(w, r)
}

// acquire takes a reference to the current generation. A generation whose
// count has reached 0 is retired and cannot be revived: the loop then
// finds its successor, already stored.
func (l *liveGateway) acquire() *generation {
	for {
		g := l.cur.Load()
		if n := g.refs.Load(); n > 0 && g.refs.CompareAndSwap(n, n+1) {
			return g
		}
	}
}

func (g *generation) release() {
	if g.refs.Add(-1) == 0 {
		g.live.retire(g)
	}
}

// retire closes a generation no request uses any more, in the background:
// stopping a function's processes waits for them to exit.
func (l *liveGateway) retire(g *generation) {
	l.retireMu.Lock()
	defer l.retireMu.Unlock()
	if l.shut {
		return // Close stops everything
	}
	l.retiring.Go(func() {
		g.gw.Close()
		g.fns.Close()
	})
}

// reload swaps to a new configuration. On error the current generation
// goes on serving and nothing of the new one is left running.
func (l *liveGateway) reload(ctx context.Context, cfg *config.Config) (*gateway.Plan, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil, errors.New("shutting down")
	}
	plan, err := gateway.NewPlan(cfg, l.sinks)
	if err != nil {
		return nil, err
	}
	g, err := l.build(ctx, cfg, plan)
	if err != nil {
		return nil, fmt.Errorf("%w (settings that serve sets up at start need a restart)", err)
	}
	old := l.cur.Load()
	l.prewarm(old, g)
	l.cur.Store(g)
	old.release() // the current generation's own reference: retired after its last request
	return plan, nil
}

// PrewarmWait bounds how long a reload waits for the new processes of
// changed functions to finish their init before it swaps; a slower init
// goes on in the background, and the first requests wait for it as they
// would for a cold start.
const PrewarmWait = 250 * time.Millisecond

// prewarm starts a process of each function of next whose code or
// settings changed and that had a process running in cur, so that the
// new code is warm when the swap sends it requests.
func (l *liveGateway) prewarm(cur, next *generation) {
	var started []chan struct{}
	for _, name := range next.fns.fresh {
		before := cur.fns.local[name]
		if before == nil || before.host.Live(name) == 0 {
			continue
		}
		host := next.fns.local[name].host
		done := make(chan struct{})
		l.retireMu.Lock()
		if !l.shut {
			started = append(started, done)
			l.retiring.Go(func() {
				defer close(done)
				if err := host.Prewarm(l.stopCtx, name); err != nil {
					l.log.Warn("prewarm after reload failed; the first invocation will report it", "function", name, "error", err)
				}
			})
		}
		l.retireMu.Unlock()
	}
	t := time.NewTimer(PrewarmWait)
	defer t.Stop()
	for _, done := range started {
		select {
		case <-done:
		case <-t.C:
			return
		}
	}
}

// Close stops the functions of every generation. Call it once the HTTP
// server has shut down: a request still running fails.
func (l *liveGateway) Close() {
	l.closeOnce.Do(func() {
		l.stop()
		l.mu.Lock()
		l.closed = true
		g := l.cur.Load()
		l.mu.Unlock()
		l.retireMu.Lock()
		l.shut = true
		l.retireMu.Unlock()
		l.retiring.Wait()
		g.gw.Close()
		g.fns.Close()
		l.pool.Close() // generations whose requests outlived the shutdown timeout
	})
}

// rawHeaderListener wraps ln with rawheader when the plan uses Lambda;
// behind a liveGateway, it asks the current generation at each Accept, so
// that a reload that adds the first Lambda route records header names on
// the connections that follow.
func rawHeaderListener(ln net.Listener, plan *gateway.Plan, h http.Handler) net.Listener {
	if l, ok := h.(*liveGateway); ok {
		return lambdaConns{Listener: ln, live: l}
	}
	if plan.UsesLambda() {
		return rawheader.Listener{Listener: ln}
	}
	return ln
}

// lambdaConns wraps a connection with rawheader while the current plan
// uses Lambda.
type lambdaConns struct {
	net.Listener
	live *liveGateway
}

func (l lambdaConns) Accept() (net.Conn, error) {
	if l.live.cur.Load().plan.UsesLambda() {
		return rawheader.Listener{Listener: l.Listener}.Accept()
	}
	return l.Listener.Accept()
}

// ReloadInterval is how often the watcher looks at the templates and the
// functions' code. A change is loaded once one more interval has passed
// without further change, so a synth still writing is not loaded half
// done: the new configuration serves within about two intervals (plus
// its load time, milliseconds) of the last write.
const ReloadInterval = 250 * time.Millisecond

// watchPaths are the files a configuration is reloaded for: its
// templates and the code of its local functions.
func watchPaths(cfg *config.Config) []string {
	var paths []string
	for _, st := range cfg.Stacks {
		paths = append(paths, st.Template)
	}
	for _, f := range cfg.Functions {
		if f.Endpoint == "" && f.Code != "" {
			paths = append(paths, f.Code)
		}
	}
	sort.Strings(paths)
	return paths
}

// templateDirs are the folders of the templates: while a reload has
// failed they are watched too, so that an asset folder appearing after
// its template (a synth in progress) brings another try.
func templateDirs(cfg *config.Config) []string {
	var dirs []string
	for _, st := range cfg.Stacks {
		dirs = append(dirs, filepath.Dir(st.Template))
	}
	return dirs
}

// watch polls the files of the configuration every ReloadInterval and
// reloads from load when they change. A configuration that fails to load
// (a broken template) is logged with its positions and the current one
// goes on serving; the next change tries again. The returned function
// stops the watcher and waits for it.
func (l *liveGateway) watch(ctx context.Context, cfg *config.Config, listen string, load func() (*config.Config, error)) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		l.watchLoop(ctx, cfg, listen, load)
	}()
	return func() { cancel(); <-done }
}

func (l *liveGateway) watchLoop(ctx context.Context, cfg *config.Config, listen string, load func() (*config.Config, error)) {
	paths := watchPaths(cfg)
	last := fingerprint(paths)
	var changed time.Time // first change not yet loaded; zero when none
	t := time.NewTicker(ReloadInterval)
	defer t.Stop()
	l.log.Info("watching templates and function code for changes", "files", len(paths), "interval", ReloadInterval)
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if fp := fingerprint(paths); fp != last {
			last = fp
			if changed.IsZero() {
				changed = time.Now()
			}
			continue // wait for one quiet interval
		}
		if changed.IsZero() {
			continue
		}
		next, err := load()
		var plan *gateway.Plan
		if err == nil {
			plan, err = l.reload(ctx, next)
		}
		// A write during the load is loaded by the next round.
		again := fingerprint(paths) != last
		if err != nil {
			for _, line := range strings.Split(err.Error(), "\n") {
				l.log.Error("reload failed; still serving the previous configuration", "error", line)
			}
			paths = append(watchPaths(cfg), templateDirs(cfg)...)
			last = fingerprint(paths)
			changed = time.Time{}
			if again {
				changed = time.Now()
			}
			continue
		}
		cfg = next
		paths = watchPaths(cfg)
		last = fingerprint(paths)
		took := time.Since(changed)
		changed = time.Time{}
		if again {
			changed = time.Now()
		}
		logStacks(l.log, cfg)
		for _, line := range plan.StageURLs(listen) {
			l.log.Info(line)
		}
		l.log.Info("reloaded", "apis", len(cfg.APIs), "functions", len(cfg.Functions), "since_seen", took.Round(time.Millisecond))
	}
}

// reloadConfig loads the configuration again as serve loaded it at
// start, keeping the listeners serve has bound; fix applies what serve
// derives from them (nil means nothing).
func reloadConfig(fs *flag.FlagSet, cf *commonFlags, sf *stackFlags, running *config.Config, fix func(*config.Config)) (*config.Config, error) {
	cfg, err := loadConfig(fs, cf, sf)
	if err != nil {
		return nil, err
	}
	cfg.Listen, cfg.Admin = running.Listen, running.Admin
	if fix != nil {
		fix(cfg)
	}
	return cfg, nil
}
