// Package cli is the gatehouse command line: it parses flags and runs the
// serve, validate and version commands. cmd/gatehouse is a thin main.
//
//	gatehouse serve -c gatehouse.yaml [--listen addr] [--log-level level]
//	gatehouse validate -c gatehouse.yaml
//	gatehouse version
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/gatehouse/gatehouse/internal/awscurl"
	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/gateway"
	"github.com/gatehouse/gatehouse/internal/idtoken"
	"github.com/gatehouse/gatehouse/internal/rawheader"
)

// version is set at build time with
// -ldflags "-X github.com/gatehouse/gatehouse/internal/cli.version=...".
var version = "dev"

const usage = `usage: gatehouse <command> [flags]

commands:
  serve     -c gatehouse.yaml [--listen addr] [--admin addr] [--log-level debug|info|warn|error]
            -t TEMPLATE [--region R] [--account-id A] [--parameter-overrides K=V ...] [--watch=false]
  validate  -c gatehouse.yaml | -t TEMPLATE [...]
  iam       <command> [--store DSN | -c gatehouse.yaml] [aws iam flags]   (gatehouse iam help)
  curl      [curl flags] [--sign-host host] [--presign] URL   (signs with SigV4; see docs/curl.md)
  version
`

// Run runs the gatehouse command line with args (without the program name)
// and returns the exit code. serve runs until SIGINT or SIGTERM.
func Run(args []string, stdout, stderr io.Writer) int {
	return RunContext(context.Background(), args, stdout, stderr)
}

// RunContext is Run with a context: serve also stops when ctx ends.
func RunContext(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "serve":
		return serve(ctx, args[1:], stdout, stderr)
	case "validate":
		return validate(args[1:], stdout, stderr)
	case "iam":
		return runIAM(ctx, args[1:], stdout, stderr)
	case "curl":
		return awscurl.Run(ctx, args[1:], os.Stdin, stdout, stderr)
	case "version", "--version", "-v":
		fmt.Fprintf(stdout, "gatehouse %s\n", version)
		return 0
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "gatehouse: unknown command %q\n%s", args[0], usage)
	return 2
}

type commonFlags struct {
	config string
}

func (c *commonFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&c.config, "c", "gatehouse.yaml", "config file")
	fs.StringVar(&c.config, "config", "gatehouse.yaml", "config file")
}

func validate(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("validate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cf commonFlags
	cf.register(fs)
	var sf stackFlags
	sf.register(fs)
	if err := fs.Parse(args); err != nil {
		return 2
	}
	cfg, err := loadConfig(fs, &cf, &sf)
	if err == nil {
		_, err = gateway.NewPlan(cfg, nil)
	}
	if err != nil {
		printErrors(stderr, err)
		return 1
	}
	fmt.Fprintf(stdout, "%s: ok (%d APIs)\n", configName(cfg), len(cfg.APIs))
	return 0
}

// printErrors prints joined errors one per line.
func printErrors(w io.Writer, err error) {
	for _, line := range strings.Split(err.Error(), "\n") {
		fmt.Fprintln(w, line)
	}
}

func serve(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cf commonFlags
	cf.register(fs)
	var sf stackFlags
	sf.register(fs)
	listen := fs.String("listen", "", "address to serve APIs on (overrides the config's listen)")
	admin := fs.String("admin", "", "admin listener for /healthz and /readyz (overrides the config's admin)")
	level := fs.String("log-level", "info", "log level: debug, info, warn or error")
	profiling := fs.Bool("pprof", false, "serve Go's profiler at /debug/pprof/ on the admin listener")
	watch := fs.Bool("watch", true, "reload when a template or its functions' code changes (docs/cloudformation.md#reload)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(*level)); err != nil {
		fmt.Fprintf(stderr, "gatehouse: --log-level %q: use debug, info, warn or error\n", *level)
		return 2
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: lvl}))

	cfg, err := loadConfig(fs, &cf, &sf)
	if err != nil {
		printErrors(stderr, err)
		return 1
	}
	logStacks(log, cfg)
	if *listen != "" {
		if err := config.CheckListen(*listen); err != nil {
			fmt.Fprintf(stderr, "gatehouse: --listen: %v\n", err)
			return 2
		}
		cfg.Listen = *listen
	}
	if *admin != "" {
		if err := config.CheckListen(*admin); err != nil {
			fmt.Fprintf(stderr, "gatehouse: --admin: %v\n", err)
			return 2
		}
		cfg.Admin = *admin
	}
	// The awsEndpoints listener is bound before the plan is built: a
	// hosted user pool's issuer is its address (setHostedIssuers).
	var awsLn net.Listener
	if cfg.AWSEndpoints.Listen != "" {
		if awsLn, err = net.Listen("tcp", cfg.AWSEndpoints.Listen); err != nil {
			fmt.Fprintf(stderr, "gatehouse: listen awsEndpoints %s: %v\n", cfg.AWSEndpoints.Listen, err)
			return 1
		}
		defer awsLn.Close()
		setHostedIssuers(cfg, awsLn.Addr())
	}
	sinks := gateway.NewLogSinks(stdout)
	defer sinks.Close()
	plan, err := gateway.NewPlan(cfg, sinks)
	if err != nil {
		printErrors(stderr, err)
		return 1
	}
	// Listen first, so that port 0 is resolved before anything (the
	// identity issuer's URL) needs the real address.
	lns, err := openListeners(cfg)
	if err != nil {
		fmt.Fprintf(stderr, "gatehouse: %v\n", err)
		return 1
	}
	defer lns.close()
	if lns.admin != nil {
		cfg.Admin = lns.admin.Addr().String()
	}
	opts := gateway.Options{Logger: log}
	if plan.UsesIAM() || len(cfg.IAM.Users) > 0 || len(cfg.IAM.Roles) > 0 || cfg.AWSEndpoints.Listen != "" {
		octx, cancel := context.WithTimeout(ctx, 30*time.Second)
		st, err := openStore(octx, cfg.IAM.Store, cfg.AccountID, log)
		if err == nil && len(cfg.IAM.Users) > 0 {
			err = st.Apply(octx, seedUsers(cfg.IAM.Users))
		}
		if err == nil && len(cfg.IAM.Roles) > 0 {
			err = st.ApplyRoles(octx, seedRoles(cfg.IAM.Roles))
		}
		if err != nil && st != nil {
			st.Close()
		}
		cancel()
		if err != nil {
			fmt.Fprintf(stderr, "gatehouse: IAM store: %v\n", err)
			return 1
		}
		defer st.Close()
		ids, err := newStoreIdentities(st)
		if err != nil {
			fmt.Fprintf(stderr, "gatehouse: %v\n", err)
			return 1
		}
		opts.Identities = ids
		if cfg.AWSEndpoints.Listen != "" {
			stopAWS, err := startAWSEndpoints(cfg, ids, awsLn, log)
			if err != nil {
				fmt.Fprintf(stderr, "gatehouse: %v\n", err)
				return 1
			}
			defer stopAWS()
		}
	}
	if plan.ForwardsJWT() {
		if opts.IdentityIssuer, err = newIssuer(cfg); err != nil {
			fmt.Fprintf(stderr, "gatehouse: %v\n", err)
			return 1
		}
		opts.IdentityAudience = cfg.IdentityForwarding.Audience
	}
	// The gateway and the functions are one generation of a liveGateway,
	// which a reload replaces (reload.go).
	gw, err := newLiveGateway(ctx, cfg, plan, opts, sinks, log)
	if err != nil {
		fmt.Fprintf(stderr, "gatehouse: %v\n", err)
		return 1
	}
	defer gw.Close()

	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	if *watch && len(cfg.Stacks) > 0 {
		defer gw.watch(ctx, cfg, lns.api.Addr().String(), func() (*config.Config, error) {
			return reloadConfig(fs, &cf, &sf, cfg, func(c *config.Config) {
				if awsLn != nil {
					setHostedIssuers(c, awsLn.Addr())
				}
			})
		})()
	}
	if err := serveUntil(ctx, cfg, lns, plan, gw, opts.IdentityIssuer, *profiling, log); err != nil {
		log.Error("gatehouse stopped", "err", err)
		return 1
	}
	return 0
}

// ShutdownTimeout bounds how long in-flight requests may take to finish
// after SIGTERM.
const ShutdownTimeout = 30 * time.Second

// newIssuer makes the identity token issuer: the configured key, or a new
// one; the admin listener publishes its JWKS.
func newIssuer(cfg *config.Config) (*idtoken.Issuer, error) {
	if cfg.Admin == "" {
		return nil, errors.New("identity forwarding as jwt needs the admin listener (admin:), which publishes the JWKS at /.well-known/jwks.json")
	}
	opts := idtoken.Options{Issuer: cfg.IdentityForwarding.Issuer, TTL: time.Duration(cfg.IdentityForwarding.TTLSeconds) * time.Second}
	if opts.Issuer == "" {
		opts.Issuer = "http://" + cfg.Admin
	}
	if cfg.IdentityForwarding.KeyFile != "" {
		key, err := idtoken.LoadKey(cfg.IdentityForwarding.KeyFile)
		if err != nil {
			return nil, err
		}
		opts.Key = key
	}
	return idtoken.New(opts)
}

// listeners are the gateway's sockets; admin is nil when it has none.
type listeners struct {
	api, admin net.Listener
}

func openListeners(cfg *config.Config) (*listeners, error) {
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return nil, fmt.Errorf("listen %s: %w", cfg.Listen, err)
	}
	l := &listeners{api: ln}
	if cfg.Admin != "" {
		if l.admin, err = net.Listen("tcp", cfg.Admin); err != nil {
			ln.Close()
			return nil, fmt.Errorf("listen admin %s: %w", cfg.Admin, err)
		}
	}
	return l, nil
}

// close closes the sockets; after Serve has taken them it is a no-op.
func (l *listeners) close() {
	l.api.Close()
	if l.admin != nil {
		l.admin.Close()
	}
}

func serveUntil(ctx context.Context, cfg *config.Config, lns *listeners, plan *gateway.Plan, gw http.Handler, issuer *idtoken.Issuer, profiling bool, log *slog.Logger) error {
	ln := lns.api
	srv := &http.Server{
		Handler:           gw,
		ConnContext:       rawheader.ConnContext,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelDebug),
	}
	var ready atomic.Bool
	var adminSrv *http.Server
	adminAddr := "off"
	errc := make(chan error, 2)
	if aln := lns.admin; aln != nil {
		adminAddr = aln.Addr().String()
		adminSrv = &http.Server{Handler: gateway.AdminHandler(&ready, issuer, profiling), ReadHeaderTimeout: 5 * time.Second}
		go func() { errc <- adminSrv.Serve(aln) }()
	}
	// rawheader keeps the header names as clients wrote them, for Lambda
	// events and authorizers; other plans skip its per-request cost.
	api := rawHeaderListener(ln, plan, gw)
	go func() { errc <- srv.Serve(api) }()
	ready.Store(true)

	for _, line := range plan.StageURLs(ln.Addr().String()) {
		log.Info(line)
	}
	log.Info("gatehouse serving", "version", version, "listen", ln.Addr().String(), "admin", adminAddr, "region", cfg.Region, "account", cfg.AccountID)

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	ready.Store(false)
	log.Info("shutting down: waiting for in-flight requests", "timeout", ShutdownTimeout)
	sctx, cancel := context.WithTimeout(context.Background(), ShutdownTimeout)
	defer cancel()
	err := srv.Shutdown(sctx)
	if adminSrv != nil {
		_ = adminSrv.Shutdown(sctx)
	}
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutdown: %w", err)
	}
	log.Info("stopped")
	return nil
}
