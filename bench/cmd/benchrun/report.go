package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/bench/loadgen"
)

// sample is what one run measured.
type sample struct {
	round  int
	system string
	rps    float64
	p50    time.Duration
	p90    time.Duration
	p99    time.Duration
	max    time.Duration
	// non2xx and transport count the errors in the window, warmupErrors
	// those of the warm-up; errorSamples holds some of their messages.
	non2xx       uint64
	transport    uint64
	warmupErrors uint64
	errorSamples []string
	dials        uint64
	// sent is every response, warm-up included; logLines the access log
	// lines written meanwhile, -1 if the system writes none.
	sent     uint64
	logLines int64
	// otherCPU is the share of the machine's CPU used by other processes
	// during the run, NaN if unknown.
	otherCPU float64
	// serverCPU is the CPU time the system's processes (with their
	// children, e.g. Lambda functions) and the backend spent per response,
	// warm-up included; 0 if unknown.
	serverCPU time.Duration
	// childCPU is the part of serverCPU spent by the system's child
	// processes (a gateway's Lambda functions).
	childCPU time.Duration
}

func newSample(round int, system string, r *loadgen.Result) sample {
	return sample{
		round:        round,
		system:       system,
		rps:          r.Throughput(),
		p50:          r.Latency.Percentile(0.50),
		p90:          r.Latency.Percentile(0.90),
		p99:          r.Latency.Percentile(0.99),
		max:          r.Latency.Max(),
		non2xx:       r.Non2xx,
		transport:    r.TransportErrors,
		warmupErrors: r.WarmupNon2xx + r.WarmupTransportErrors,
		errorSamples: r.ErrorSamples,
		dials:        r.Dials,
		sent:         r.Requests + r.WarmupRequests + r.Errors(),
		logLines:     -1,
		otherCPU:     math.NaN(),
	}
}

func (s *sample) errors() uint64 { return s.non2xx + s.transport + s.warmupErrors }

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// cpuNote gives the server CPU per request, with the child processes'
// share when they did work.
func cpuNote(st stats) string {
	if st.childCPU > 0 {
		return micros(st.serverCPU) + " (child processes " + micros(st.childCPU) + ")"
	}
	return micros(st.serverCPU)
}

// micros formats a per-request CPU time, "-" when unknown.
func micros(d time.Duration) string {
	if d <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.0f", float64(d)/float64(time.Microsecond))
}

// pct formats a share as a percentage, "-" if unknown.
func pct(x float64) string {
	if math.IsNaN(x) {
		return "-"
	}
	return fmt.Sprintf("%.0f%%", x*100)
}

// noisyCPU is the share of CPU used by other processes during a run above
// which the report warns that the machine was busy.
const noisyCPU = 0.10

// maxOtherCPU returns the highest share of CPU other processes used during
// a run, NaN if unknown.
func (r *report) maxOtherCPU() float64 {
	m := math.NaN()
	for _, s := range r.samples {
		if !math.IsNaN(s.otherCPU) && (math.IsNaN(m) || s.otherCPU > m) {
			m = s.otherCPU
		}
	}
	return m
}

// noiseNote describes how busy the machine was.
func (r *report) noiseNote() string {
	m := r.maxOtherCPU()
	switch {
	case math.IsNaN(m):
		return "CPU use of other processes unknown"
	case m > noisyCPU:
		return fmt.Sprintf("other processes used up to %s of the CPU during a run: the machine was busy and the numbers are noisy", pct(m))
	default:
		return fmt.Sprintf("other processes used at most %s of the CPU during a run", pct(m))
	}
}

// printSample prints one table row, and the error messages if any.
func printSample(w io.Writer, s sample) {
	logCol := "-"
	if s.logLines >= 0 && s.sent > 0 {
		logCol = fmt.Sprintf("%.2f", float64(s.logLines)/float64(s.sent))
	}
	fmt.Fprintf(w, "%-5d %-10s %10.0f %9.3f %9.3f %9.3f %9.3f %7d %7d %6d %6s %8s %s\n",
		s.round, s.system, s.rps, ms(s.p50), ms(s.p90), ms(s.p99), ms(s.max), s.non2xx, s.transport, s.dials, pct(s.otherCPU), micros(s.serverCPU), logCol)
	if s.warmupErrors > 0 {
		fmt.Fprintf(w, "      ! %d errors during the warm-up\n", s.warmupErrors)
	}
	for _, e := range s.errorSamples {
		fmt.Fprintf(w, "      ! %s\n", e)
	}
}

// stats are the medians of one system's runs.
type stats struct {
	label                   string
	rps                     float64
	p50, p90, p99, worstMax time.Duration
	errors                  uint64
	serverCPU, childCPU     time.Duration // medians; 0 if unknown
}

// ratio compares the second system (the contender) with the first (B0).
type ratio struct {
	throughput, p99         float64 // of the medians
	throughputLo, throughHi float64 // range of the per-round ratios
	p99Lo, p99Hi            float64
}

// report collects the samples of a run and derives medians and ratios.
type report struct {
	scenario Scenario
	opts     options
	labels   []string
	samples  []sample
	machine  machine
	date     time.Time
	stats    []stats
	ratio    *ratio // nil unless there are two systems or more
	// variant compares the scenario's Variant (third system) with the
	// gateway (second), and variantB0 with B0; nil without a variant.
	variant, variantB0 *ratio
}

// finish computes the medians and, for two systems, the ratios.
func (r *report) finish(m machine) {
	r.machine = m
	r.date = time.Now().UTC()
	r.stats = r.stats[:0]
	for _, l := range r.labels {
		var rps, p50, p90, p99, cpu, child []float64
		st := stats{label: l}
		for _, s := range r.samples {
			if s.system != l {
				continue
			}
			rps = append(rps, s.rps)
			p50 = append(p50, float64(s.p50))
			p90 = append(p90, float64(s.p90))
			p99 = append(p99, float64(s.p99))
			if s.serverCPU > 0 {
				cpu = append(cpu, float64(s.serverCPU))
				child = append(child, float64(s.childCPU))
			}
			st.worstMax = max(st.worstMax, s.max)
			st.errors += s.errors()
		}
		st.rps = median(rps)
		st.p50 = time.Duration(median(p50))
		st.p90 = time.Duration(median(p90))
		st.p99 = time.Duration(median(p99))
		if len(cpu) > 0 {
			st.serverCPU = time.Duration(median(cpu))
			st.childCPU = time.Duration(median(child))
		}
		r.stats = append(r.stats, st)
	}
	r.ratio, r.variant, r.variantB0 = nil, nil, nil
	if len(r.stats) < 2 {
		return
	}
	r.ratio = r.compare(r.stats[0], r.stats[1])
	if len(r.stats) == 3 {
		r.variant = r.compare(r.stats[1], r.stats[2])
		r.variantB0 = r.compare(r.stats[0], r.stats[2])
	}
}

// compare returns the ratios of b to a: of the medians, and the range
// of the per-round ratios.
func (r *report) compare(a, b stats) *ratio {
	rt := &ratio{throughput: div(b.rps, a.rps), p99: div(float64(b.p99), float64(a.p99))}
	var thr, p99 []float64
	for round := 1; round <= r.opts.runs; round++ {
		sa, oka := r.find(round, a.label)
		sb, okb := r.find(round, b.label)
		if oka && okb {
			thr = append(thr, div(sb.rps, sa.rps))
			p99 = append(p99, div(float64(sb.p99), float64(sa.p99)))
		}
	}
	if len(thr) > 0 {
		rt.throughputLo, rt.throughHi = slices.Min(thr), slices.Max(thr)
		rt.p99Lo, rt.p99Hi = slices.Min(p99), slices.Max(p99)
	}
	return rt
}

func (r *report) find(round int, label string) (sample, bool) {
	for _, s := range r.samples {
		if s.round == round && s.system == label {
			return s, true
		}
	}
	return sample{}, false
}

// errors returns the number of failed requests over all runs.
func (r *report) errors() uint64 {
	var n uint64
	for _, s := range r.samples {
		n += s.errors()
	}
	return n
}

// met reports whether the contender met the scenario's target.
// With a Variant, its throughput relative to the gateway's must reach
// Variant.MinRatio too.
func (r *report) met() bool {
	ok := r.ratio != nil && r.errors() == 0 &&
		r.ratio.throughput >= r.scenario.Target.MinThroughput && r.ratio.p99 <= r.scenario.Target.MaxP99
	if v := r.scenario.Variant; ok && v != nil {
		ok = r.variant != nil && r.variant.throughput >= v.MinRatio
	}
	return ok
}

// key names the report's section in RESULTS.md.
func (r *report) key() string {
	if r.opts.aa {
		return r.scenario.Name + "-aa"
	}
	return r.scenario.Name
}

func (r *report) contender() string {
	if len(r.labels) >= 2 {
		return r.labels[1]
	}
	return ""
}

// printSummary prints the medians and the ratios.
func (r *report) printSummary(w io.Writer) {
	for _, st := range r.stats {
		fmt.Fprintf(w, "%-5s %-10s %10.0f %9.3f %9.3f %9.3f %9.3f %15d errors, server CPU %s µs/req\n",
			"med", st.label, st.rps, ms(st.p50), ms(st.p90), ms(st.p99), ms(st.worstMax), st.errors, cpuNote(st))
	}
	fmt.Fprintf(w, "noise: %s\n", r.noiseNote())
	if r.ratio == nil {
		return
	}
	rt, t := r.ratio, r.scenario.Target
	if r.opts.aa {
		fmt.Fprintf(w, "ratio %s/%s: throughput %.3f (rounds %.3f–%.3f), p99 %.3f (rounds %.3f–%.3f)\n",
			r.labels[1], r.labels[0], rt.throughput, rt.throughputLo, rt.throughHi, rt.p99, rt.p99Lo, rt.p99Hi)
		fmt.Fprintln(w, "(A/A run: both systems are B0; the ratios show the harness's noise, no target applies)")
		return
	}
	fmt.Fprintf(w, "ratio %s/%s: throughput %.3f (rounds %.3f–%.3f; target ≥ %.2f: %s), p99 %.3f (rounds %.3f–%.3f; target ≤ %.2f: %s)\n",
		r.labels[1], r.labels[0],
		rt.throughput, rt.throughputLo, rt.throughHi, t.MinThroughput, metWord(rt.throughput >= t.MinThroughput),
		rt.p99, rt.p99Lo, rt.p99Hi, t.MaxP99, metWord(rt.p99 <= t.MaxP99))
	if v, vr := r.scenario.Variant, r.variant; v != nil && vr != nil {
		vb := r.variantB0
		fmt.Fprintf(w, "ratio %s/%s: throughput %.3f (rounds %.3f–%.3f), p99 %.3f (rounds %.3f–%.3f)\n",
			r.labels[2], r.labels[0], vb.throughput, vb.throughputLo, vb.throughHi, vb.p99, vb.p99Lo, vb.p99Hi)
		fmt.Fprintf(w, "ratio %s/%s: throughput %.3f (rounds %.3f–%.3f; target ≥ %.2f: %s), p99 %.3f (rounds %.3f–%.3f)\n",
			r.labels[2], r.labels[1], vr.throughput, vr.throughputLo, vr.throughHi, v.MinRatio, metWord(vr.throughput >= v.MinRatio),
			vr.p99, vr.p99Lo, vr.p99Hi)
	}
}

func metWord(ok bool) string {
	if ok {
		return "met"
	}
	return "MISSED"
}

// markdown renders the report's section of RESULTS.md.
func (r *report) markdown() string {
	var b strings.Builder
	title := fmt.Sprintf("%s — %s vs %s", r.scenario.Name, r.contender(), r.labels[0])
	if r.opts.aa {
		title += " (A/A sanity run, not a gateway result)"
	}
	fmt.Fprintf(&b, "## %s\n\n%s\n\n", title, r.scenario.Description)
	fmt.Fprintf(&b, "- Date: %s\n", r.date.Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(&b, "- Machine: %s\n", r.machine)
	fmt.Fprintf(&b, "- Parameters: %s %s, %d connections (closed loop), %d runs × %v each after %v warm-up, order %s alternating\n",
		methodOf(&r.scenario), r.scenario.Path, r.opts.conns, r.opts.runs, r.opts.duration, r.opts.warmup, strings.Join(r.labels, ", "))
	fmt.Fprintf(&b, "- Noise: %s\n", r.noiseNote())
	if r.opts.aa {
		fmt.Fprintf(&b, "- Target: does not apply (A/A); the ratios measure noise and should be close to 1\n\n")
	} else {
		fmt.Fprintf(&b, "- Target: %s — **%s**\n\n", r.scenario.targetString(), map[bool]string{true: "met", false: "missed"}[r.met()])
	}
	b.WriteString("| system | req/s (median) | p50 ms | p90 ms | p99 ms | worst max ms | errors | server CPU µs/req |\n")
	b.WriteString("|---|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, st := range r.stats {
		fmt.Fprintf(&b, "| %s | %.0f | %.3f | %.3f | %.3f | %.3f | %d | %s |\n",
			st.label, st.rps, ms(st.p50), ms(st.p90), ms(st.p99), ms(st.worstMax), st.errors, cpuNote(st))
	}
	if rt := r.ratio; rt != nil {
		t := r.scenario.Target
		fmt.Fprintf(&b, "\n| %s / %s | ratio of medians | per-round range | target |\n|---|---:|---:|---:|\n", r.labels[1], r.labels[0])
		minThr, maxP99 := fmt.Sprintf("≥ %.2f", t.MinThroughput), fmt.Sprintf("≤ %.2f", t.MaxP99)
		if r.opts.aa {
			minThr, maxP99 = "n/a (A/A)", "n/a (A/A)"
		}
		fmt.Fprintf(&b, "| throughput | %.3f | %.3f–%.3f | %s |\n", rt.throughput, rt.throughputLo, rt.throughHi, minThr)
		fmt.Fprintf(&b, "| p99 latency | %.3f | %.3f–%.3f | %s |\n", rt.p99, rt.p99Lo, rt.p99Hi, maxP99)
	}
	if v, vr := r.scenario.Variant, r.variant; v != nil && vr != nil {
		vb := r.variantB0
		fmt.Fprintf(&b, "\n%s: %s\n\n| ratio | throughput | per-round range | p99 latency | per-round range | target |\n|---|---:|---:|---:|---:|---:|\n",
			v.Label, v.Description)
		fmt.Fprintf(&b, "| %s / %s | %.3f | %.3f–%.3f | %.3f | %.3f–%.3f | — |\n", r.labels[2], r.labels[0],
			vb.throughput, vb.throughputLo, vb.throughHi, vb.p99, vb.p99Lo, vb.p99Hi)
		fmt.Fprintf(&b, "| %s / %s | %.3f | %.3f–%.3f | %.3f | %.3f–%.3f | throughput ≥ %.2f |\n", r.labels[2], r.labels[1],
			vr.throughput, vr.throughputLo, vr.throughHi, vr.p99, vr.p99Lo, vr.p99Hi, v.MinRatio)
	}
	b.WriteString("\n<details><summary>Every run</summary>\n\n")
	b.WriteString("| run | system | req/s | p50 ms | p90 ms | p99 ms | max ms | errors | other CPU | server CPU µs/req |\n|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, s := range r.samples {
		fmt.Fprintf(&b, "| %d | %s | %.0f | %.3f | %.3f | %.3f | %.3f | %d | %s | %s |\n",
			s.round, s.system, s.rps, ms(s.p50), ms(s.p90), ms(s.p99), ms(s.max), s.errors(), pct(s.otherCPU), micros(s.serverCPU))
	}
	b.WriteString("\n</details>\n")
	return b.String()
}

// resultsHeader starts a new RESULTS.md.
const resultsHeader = `# gatehouse end-to-end benchmark results

The sections below are filled by the harness, ` + "`go run ./bench/cmd/benchrun`" + `;
see README.md for how to run it and read them. Each section holds the latest
run of one scenario (` + "`<scenario>-aa`" + `: an A/A sanity run, B0 against B0) and is
replaced by the next run of that scenario. Text outside the sections is kept.
`

// updateResults replaces the section named key in the file at path with
// body, appending it if the file has no such section and creating the file
// with resultsHeader if it does not exist.
func updateResults(path, key, body string) error {
	old, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		old = []byte(resultsHeader)
	} else if err != nil {
		return fmt.Errorf("update results: %w", err)
	}
	out, err := replaceSection(old, key, body)
	if err != nil {
		return fmt.Errorf("update results %s: %w", path, err)
	}
	if err := os.WriteFile(path, out, 0o644); err != nil {
		return fmt.Errorf("update results: %w", err)
	}
	return nil
}

// replaceSection replaces the text between the begin and end markers of key
// in doc with body, or appends a new marked section.
func replaceSection(doc []byte, key, body string) ([]byte, error) {
	begin := fmt.Sprintf("<!-- bench:begin %s -->\n", key)
	end := fmt.Sprintf("<!-- bench:end %s -->\n", key)
	section := begin + body + end
	i := bytes.Index(doc, []byte(begin))
	if i < 0 {
		out := bytes.TrimRight(doc, "\n")
		return append(append(out, "\n\n"...), section...), nil
	}
	j := bytes.Index(doc[i:], []byte(end))
	if j < 0 {
		return nil, fmt.Errorf("section %s has no end marker %q", key, strings.TrimSpace(end))
	}
	j += i + len(end)
	return slices.Concat(doc[:i], []byte(section), doc[j:]), nil
}

// machine describes where the benchmark ran.
type machine struct {
	cpus      int
	cpuModel  string
	goVersion string
	goos      string
	goarch    string
	kernel    string
	commit    string
}

func (m machine) String() string {
	return fmt.Sprintf("%d CPUs (nproc), %s, %s/%s, Linux %s, %s, commit %s",
		m.cpus, m.cpuModel, m.goos, m.goarch, m.kernel, m.goVersion, m.commit)
}

// machineInfo reads the machine's description. Missing pieces read
// "unknown"; nothing here fails the run.
func machineInfo(ctx context.Context, root string) machine {
	m := machine{
		cpus:      runtime.NumCPU(),
		cpuModel:  "unknown CPU",
		goVersion: runtime.Version(),
		goos:      runtime.GOOS,
		goarch:    runtime.GOARCH,
		kernel:    "unknown",
		commit:    "unknown",
	}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		m.cpuModel = cpuModel(string(b))
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.kernel = strings.TrimSpace(string(b))
	}
	if out, err := exec.CommandContext(ctx, "go", "env", "GOVERSION").Output(); err == nil {
		m.goVersion = strings.TrimSpace(string(out))
	}
	// Read-only git queries: --no-optional-locks keeps status from
	// refreshing the index.
	if out, err := exec.CommandContext(ctx, "git", "-C", root, "rev-parse", "--short", "HEAD").Output(); err == nil {
		m.commit = strings.TrimSpace(string(out))
		st, err := exec.CommandContext(ctx, "git", "-C", root, "--no-optional-locks", "status", "--porcelain").Output()
		if err == nil && len(bytes.TrimSpace(st)) > 0 {
			m.commit += " + uncommitted changes"
		}
	}
	return m
}

// cpuModel returns the first "model name" of a /proc/cpuinfo text.
func cpuModel(cpuinfo string) string {
	for line := range strings.SplitSeq(cpuinfo, "\n") {
		k, v, ok := strings.Cut(line, ":")
		if ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown CPU"
}

// median returns the median of xs, the mean of the middle two for an even
// count, or NaN for none.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// div returns a/b, or NaN if b is 0.
func div(a, b float64) float64 {
	if b == 0 {
		return math.NaN()
	}
	return a / b
}
