// Command benchrun is the end-to-end benchmark harness of gatehouse. It
// builds the bench backend, baseline B0 (a plain httputil.ReverseProxy) and
// the gateway, starts each as its own loopback process, and measures B0 and
// the gateway in alternating rounds of the same run with the closed-loop
// load generator of bench/loadgen. It prints a table of every run, the
// medians and the gateway/B0 ratios, and records them in bench/RESULTS.md.
//
//	go run ./bench/cmd/benchrun -scenario http_proxy
//	go run ./bench/cmd/benchrun -aa -runs 1 -duration 2s -results ""   # B0 vs B0, no gateway needed
//
// See bench/README.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/gatehouse/gatehouse/bench/loadgen"
)

// Exit codes besides 0 (success) and 1 (the harness failed).
const (
	exitRequestErrors = 2 // some request failed: the numbers are not valid
	exitTargetMissed  = 3 // -check and the scenario's target was missed
)

// options are the command-line flags.
type options struct {
	scenario     string
	runs         int
	duration     time.Duration
	warmup       time.Duration
	conns        int
	only         string
	aa           bool
	results      string
	keep         bool
	check        bool
	gatehouseBin string
	startTimeout time.Duration
	list         bool
}

func main() {
	var o options
	flag.StringVar(&o.scenario, "scenario", "http_proxy", "scenario `name` (see -list)")
	flag.IntVar(&o.runs, "runs", 5, "measured runs per system, alternating B0 and gatehouse")
	flag.DurationVar(&o.duration, "duration", 10*time.Second, "measured duration of each run")
	flag.DurationVar(&o.warmup, "warmup", time.Second, "warm-up before each run, not counted")
	flag.IntVar(&o.conns, "conns", 64, "concurrent keep-alive connections")
	flag.StringVar(&o.only, "only", "", "measure only `system` b0 or gatehouse (no ratios, RESULTS.md untouched)")
	flag.BoolVar(&o.aa, "aa", false, "A/A sanity run: a second B0 process takes the gateway's place (gateway not built)")
	flag.StringVar(&o.results, "results", "bench/RESULTS.md", "`file` to update, relative to the module root; \"\" to leave it alone")
	flag.BoolVar(&o.keep, "keep", false, "keep the temporary directory (configs, binaries, logs)")
	flag.BoolVar(&o.check, "check", false, "exit with status 3 if the scenario's target is missed")
	flag.StringVar(&o.gatehouseBin, "gatehouse-bin", "", "use this gatehouse `binary` instead of building ./cmd/gatehouse")
	flag.DurationVar(&o.startTimeout, "start-timeout", 20*time.Second, "how long each server may take to answer 200")
	flag.BoolVar(&o.list, "list", false, "list the scenarios and exit")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code, err := run(ctx, o, os.Stdout)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchrun:", err)
		if code == 0 {
			code = 1
		}
	}
	os.Exit(code)
}

// system is one server under measurement.
type system struct {
	label string // as printed: B0, gatehouse, B0'
	url   string // full request URL
	proc  *proc
	// accessLog, if not "", is the file receiving the system's stdout; the
	// harness counts the lines each run adds.
	accessLog string
	// servers are the pids whose process trees serve the system's
	// requests: its own process and the shared backend.
	servers []int
	// prepare, if not nil, replaces the scenario's Prepare (a Variant's
	// requests).
	prepare func(*http.Request) error
	// params are the gateway's template values (gatehouse only).
	params GatewayParams
}

func (o *options) validate() error {
	switch {
	case o.runs < 1:
		return errors.New("-runs must be at least 1")
	case o.duration <= 0:
		return errors.New("-duration must be positive")
	case o.warmup < 0:
		return errors.New("-warmup must not be negative")
	case o.conns < 1:
		return errors.New("-conns must be at least 1")
	case o.only != "" && o.only != "b0" && o.only != "gatehouse":
		return fmt.Errorf("-only %q: want b0 or gatehouse", o.only)
	case o.only != "" && o.aa:
		return errors.New("-only and -aa exclude each other")
	}
	return nil
}

// run does the whole benchmark and returns the exit code.
func run(ctx context.Context, o options, stdout io.Writer) (int, error) {
	scens := scenarios()
	if o.list {
		for _, s := range scens {
			fmt.Fprintf(stdout, "%-18s %s\n%-18s target: %s\n", s.Name, s.Description, "", s.targetString())
		}
		return 0, nil
	}
	if err := o.validate(); err != nil {
		return 1, err
	}
	sc, err := findScenario(scens, o.scenario)
	if err != nil {
		return 1, err
	}
	wantB0 := o.only != "gatehouse"
	wantGH := o.only != "b0" && !o.aa

	root, err := moduleRoot(ctx)
	if err != nil {
		return 1, err
	}
	tmp, err := os.MkdirTemp("", "gatehouse-bench-")
	if err != nil {
		return 1, fmt.Errorf("temp dir: %w", err)
	}
	if o.keep {
		defer fmt.Fprintf(os.Stderr, "kept %s\n", tmp)
	} else {
		defer os.RemoveAll(tmp)
	}
	var procs []*proc
	defer func() {
		for i := len(procs) - 1; i >= 0; i-- {
			procs[i].stop()
		}
	}()

	// Build everything first, the gateway first, so a gateway that does not
	// build fails the run before anything starts.
	bin := filepath.Join(tmp, "bin")
	if err := os.Mkdir(bin, 0o755); err != nil {
		return 1, fmt.Errorf("temp dir: %w", err)
	}
	logf("building into %s", bin)
	ghBin := o.gatehouseBin
	if wantGH && ghBin == "" {
		ghBin, err = buildBinary(ctx, root, bin, "gatehouse", "./cmd/gatehouse")
		if err != nil {
			return 1, fmt.Errorf("build gatehouse: %w\n(the gateway does not build yet? -only b0 or -aa exercise the harness without it)", err)
		}
	}
	backendBin, err := buildBinary(ctx, root, bin, "backend", "./bench/backend")
	if err != nil {
		return 1, fmt.Errorf("build backend: %w", err)
	}
	var b0Bin string
	if wantB0 {
		if b0Bin, err = buildBinary(ctx, root, bin, "b0", "./bench/b0"); err != nil {
			return 1, fmt.Errorf("build b0: %w", err)
		}
	}

	// The identity provider of JWT scenarios, before any system: B0's
	// requests carry the same tokens.
	if sc.Issuer != nil {
		if err := sc.Issuer.start(); err != nil {
			return 1, fmt.Errorf("start the JWT issuer: %w", err)
		}
		defer sc.Issuer.stop()
	}

	// Backend.
	backendAddr, err := freeAddr()
	if err != nil {
		return 1, fmt.Errorf("start backend: %w", err)
	}
	backend, err := startProc("backend", backendBin, []string{"-addr", backendAddr}, filepath.Join(tmp, "backend.log"))
	if err != nil {
		return 1, err
	}
	procs = append(procs, backend)
	if err := waitReady(ctx, backend, o.startTimeout, probe{url: "http://" + backendAddr + "/hello", want: http.StatusOK}); err != nil {
		return 1, fmt.Errorf("start backend: %w", err)
	}

	// The systems, in the order they are measured in each round.
	var systems []*system
	startB0 := func(label, file string) error {
		addr, err := freeAddr()
		if err != nil {
			return fmt.Errorf("start %s: %w", label, err)
		}
		p, err := startProc(label, b0Bin, []string{"-addr", addr, "-backend", backendAddr}, filepath.Join(tmp, file))
		if err != nil {
			return err
		}
		procs = append(procs, p)
		s := &system{label: label, url: "http://" + addr + sc.Path, proc: p}
		if err := waitReady(ctx, p, o.startTimeout, sc.probe(s.url)); err != nil {
			return fmt.Errorf("start %s: %w", label, err)
		}
		systems = append(systems, s)
		return nil
	}
	if wantB0 {
		if err := startB0("B0", "b0.log"); err != nil {
			return 1, err
		}
	}
	if o.aa {
		if err := startB0("B0'", "b0-aa.log"); err != nil {
			return 1, err
		}
	}
	if wantGH {
		s, p, err := startGatehouse(ctx, &o, &sc, ghBin, tmp, backendAddr)
		if p != nil {
			procs = append(procs, p)
		}
		if err != nil {
			return 1, fmt.Errorf("start gatehouse: %w", err)
		}
		systems = append(systems, s)
		if sc.Variant != nil && wantB0 && !o.aa {
			v, err := startVariant(ctx, &o, &sc, s)
			if err != nil {
				return 1, fmt.Errorf("start %s: %w", sc.Variant.Label, err)
			}
			systems = append(systems, v)
		}
	}

	// Rounds: B0, gatehouse[, variant], B0, gatehouse[, variant], ...
	rep := &report{scenario: sc, opts: o, labels: labels(systems)}
	printHeader(stdout, &sc, &o, systems)
	pids := []int{os.Getpid()}
	for _, p := range procs {
		pids = append(pids, p.cmd.Process.Pid)
	}
	for _, s := range systems {
		s.servers = []int{s.proc.cmd.Process.Pid, backend.cmd.Process.Pid}
	}
	for round := 1; round <= o.runs; round++ {
		for _, s := range systems {
			smp, err := measure(ctx, &o, &sc, s, round, pids)
			if err != nil {
				return 1, err
			}
			rep.samples = append(rep.samples, smp)
			printSample(stdout, smp)
			for _, p := range procs {
				if err := p.exited(); err != nil {
					return 1, fmt.Errorf("after %s run %d: %w", s.label, round, err)
				}
			}
		}
	}
	rep.finish(machineInfo(ctx, root))
	rep.printSummary(stdout)

	if o.results != "" && len(systems) >= 2 {
		path := o.results
		if !filepath.IsAbs(path) {
			path = filepath.Join(root, path)
		}
		if err := updateResults(path, rep.key(), rep.markdown()); err != nil {
			return 1, err
		}
		logf("updated %s (section %s)", path, rep.key())
	}
	switch {
	case rep.errors() > 0:
		return exitRequestErrors, fmt.Errorf("%d requests failed: the numbers are not valid (error samples above)", rep.errors())
	case o.check && len(systems) >= 2 && !rep.met():
		return exitTargetMissed, fmt.Errorf("target missed: %s", sc.targetString())
	}
	return 0, nil
}

// probe returns the readiness check of the scenario's route at url.
func (s *Scenario) probe(url string) probe {
	return probe{url: url, method: s.Method, body: s.Body, header: s.Header, prepare: s.Prepare, want: http.StatusOK, expect: s.ExpectBody}
}

// startGatehouse writes the scenario's configuration and starts
// gatehouse serve -c <dir>/gatehouse.yaml --log-level error, with its stdout
// (the access log) and stderr going to <tmp>/gatehouse.log. The returned
// proc is not nil once the process has started, even with an error.
func startGatehouse(ctx context.Context, o *options, sc *Scenario, bin, tmp, backendAddr string) (*system, *proc, error) {
	listen, err := freeAddr()
	if err != nil {
		return nil, nil, err
	}
	admin, err := freeAddr()
	if err != nil {
		return nil, nil, err
	}
	awsAddr, err := freeAddr()
	if err != nil {
		return nil, nil, err
	}
	params := GatewayParams{Listen: listen, Admin: admin, Backend: backendAddr, Issuer: sc.Issuer.URL(), AWS: awsAddr}
	files, err := sc.render(params)
	if err != nil {
		return nil, nil, err
	}
	dir := filepath.Join(tmp, "gatehouse")
	if err := os.Mkdir(dir, 0o755); err != nil {
		return nil, nil, fmt.Errorf("config dir: %w", err)
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			return nil, nil, fmt.Errorf("write config: %w", err)
		}
	}
	if sc.Setup != nil {
		if err := sc.Setup(ctx, dir); err != nil {
			return nil, nil, fmt.Errorf("scenario %s: %w", sc.Name, err)
		}
	}
	logPath := filepath.Join(tmp, "gatehouse.log")
	args := []string{"serve", "-c", filepath.Join(dir, mainConfig), "--log-level", "error"}
	p, err := startProc("gatehouse", bin, args, logPath)
	if err != nil {
		return nil, nil, err
	}
	s := &system{label: "gatehouse", url: "http://" + listen + sc.Path, proc: p, accessLog: logPath, params: params}
	err = waitReady(ctx, p, o.startTimeout,
		probe{url: "http://" + admin + "/healthz", want: http.StatusOK},
		sc.probe(s.url))
	if err != nil {
		return nil, p, fmt.Errorf("%w\n(config in %s; rerun with -keep to inspect it)", err, dir)
	}
	return s, p, nil
}

// startVariant prepares the scenario's Variant against the running
// gateway gh and checks its route answers the variant's requests: the
// same process, URL and access log, another Prepare hook.
func startVariant(ctx context.Context, o *options, sc *Scenario, gh *system) (*system, error) {
	hook, err := sc.Variant.Start(ctx, gh.params)
	if err != nil {
		return nil, err
	}
	v := *gh
	v.label, v.prepare = sc.Variant.Label, hook
	pr := sc.probe(v.url)
	pr.prepare = hook
	if err := waitReady(ctx, gh.proc, o.startTimeout, pr); err != nil {
		return nil, err
	}
	return &v, nil
}

// measure runs the load generator once against s. pids are the harness
// and its servers, whose CPU time is not counted as noise.
func measure(ctx context.Context, o *options, sc *Scenario, s *system, round int, pids []int) (sample, error) {
	var logStart int64
	if s.accessLog != "" {
		if fi, err := os.Stat(s.accessLog); err == nil {
			logStart = fi.Size()
		}
	}
	prepare := sc.Prepare
	if s.prepare != nil {
		prepare = s.prepare
	}
	runtime.GC() // start each run from the same heap state
	cpu0, cpuErr := readCPU(pids)
	srv0, srvErr := readTree(s.servers)
	res, err := loadgen.Run(ctx, loadgen.Config{
		URL:      s.url,
		Method:   sc.Method,
		Header:   sc.Header,
		Body:     sc.Body,
		Prepare:  prepare,
		Conns:    o.conns,
		Warmup:   o.warmup,
		Duration: o.duration,
	})
	if err != nil {
		return sample{}, fmt.Errorf("%s run %d: %w", s.label, round, err)
	}
	smp := newSample(round, s.label, res)
	if srvErr == nil && smp.sent > 0 {
		if srv1, err := readTree(s.servers); err == nil {
			perReq := func(ticks uint64) time.Duration {
				return time.Duration(float64(ticks) / clockTicks / float64(smp.sent) * float64(time.Second))
			}
			smp.serverCPU = perReq(srv1.since(srv0))
			root, backend := s.servers[0], s.servers[1]
			delete(srv0, root)
			delete(srv1, root)
			delete(srv0, backend)
			delete(srv1, backend)
			smp.childCPU = perReq(srv1.since(srv0))
		}
	}
	if cpuErr == nil {
		// The warm-up is included: it is short and noise then matters too.
		if cpu1, err := readCPU(pids); err == nil {
			smp.otherCPU = otherCPU(cpu0, cpu1)
		}
	}
	if s.accessLog != "" {
		n, err := countLines(s.accessLog, logStart)
		if err != nil {
			return sample{}, fmt.Errorf("%s run %d: %w", s.label, round, err)
		}
		smp.logLines = n
	}
	return smp, nil
}

// countLines counts the newlines in the file at path after offset from.
func countLines(path string, from int64) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, fmt.Errorf("count access log lines: %w", err)
	}
	defer f.Close()
	if _, err := f.Seek(from, io.SeekStart); err != nil {
		return 0, fmt.Errorf("count access log lines: %w", err)
	}
	var n int64
	buf := make([]byte, 256<<10)
	for {
		k, err := f.Read(buf)
		for _, c := range buf[:k] {
			if c == '\n' {
				n++
			}
		}
		if errors.Is(err, io.EOF) {
			return n, nil
		}
		if err != nil {
			return 0, fmt.Errorf("count access log lines: %w", err)
		}
	}
}

func labels(systems []*system) []string {
	out := make([]string, len(systems))
	for i, s := range systems {
		out[i] = s.label
	}
	return out
}

// logf prints progress to stderr.
func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "benchrun: "+format+"\n", args...)
}

// printHeader prints what is about to be measured and the table header.
func printHeader(w io.Writer, sc *Scenario, o *options, systems []*system) {
	fmt.Fprintf(w, "scenario %s: %s %s, %d conns, %d × %v (+%v warm-up), order %s\n",
		sc.Name, methodOf(sc), sc.Path, o.conns, o.runs, o.duration, o.warmup, strings.Join(labels(systems), ", "))
	fmt.Fprintf(w, "%-5s %-10s %10s %9s %9s %9s %9s %7s %7s %6s %6s %8s %s\n",
		"run", "system", "req/s", "p50 ms", "p90 ms", "p99 ms", "max ms", "non2xx", "xport", "dials", "other", "µs/req", "log lines/req")
}

func methodOf(sc *Scenario) string {
	if sc.Method == "" {
		return http.MethodGet
	}
	return sc.Method
}
