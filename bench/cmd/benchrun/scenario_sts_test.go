package main

import (
	"bytes"
	"math"
	"strings"
	"testing"
	"time"
)

// A scenario with a Variant is measured as three systems; the variant is
// compared with B0 and with the gateway, and its target joins the
// scenario's.
func TestReportVariant(t *testing.T) {
	r := &report{
		scenario: Scenario{Name: "s", Path: "/prod/x", Target: Target{MinThroughput: 0.90, MaxP99: 1.2},
			Variant: &Variant{Label: "gh-session", Description: "temporary credentials", MinRatio: 0.95}},
		opts:   options{runs: 3, conns: 64, duration: 10 * time.Second, warmup: time.Second},
		labels: []string{"B0", "gatehouse", "gh-session"},
	}
	for i, v := range []struct{ b0, gh, vs float64 }{{1000, 950, 930}, {1100, 1000, 960}, {900, 900, 880}} {
		r.samples = append(r.samples,
			sample{round: i + 1, system: "B0", rps: v.b0, p99: 10 * time.Millisecond},
			sample{round: i + 1, system: "gatehouse", rps: v.gh, p99: 11 * time.Millisecond},
			sample{round: i + 1, system: "gh-session", rps: v.vs, p99: 11 * time.Millisecond})
	}
	r.finish(machine{cpus: 2, cpuModel: "Test CPU"})
	// Medians: B0 1000, gatehouse 950, gh-session 930.
	if got := r.ratio.throughput; math.Abs(got-0.95) > 1e-9 {
		t.Errorf("gatehouse/B0 = %v, want 0.95", got)
	}
	if got := r.variant.throughput; math.Abs(got-930.0/950) > 1e-9 {
		t.Errorf("gh-session/gatehouse = %v, want %v", got, 930.0/950)
	}
	if got := r.variantB0.throughput; math.Abs(got-0.93) > 1e-9 {
		t.Errorf("gh-session/B0 = %v, want 0.93", got)
	}
	if lo, hi := r.variant.throughputLo, r.variant.throughHi; math.Abs(lo-0.96) > 1e-9 || math.Abs(hi-930.0/950) > 1e-9 {
		t.Errorf("per-round range = %v–%v", lo, hi)
	}
	if !r.met() {
		t.Error("target reported missed")
	}
	var out bytes.Buffer
	r.printSummary(&out)
	for _, want := range []string{"ratio gh-session/B0: throughput 0.930", "ratio gh-session/gatehouse: throughput 0.979", "target ≥ 0.95: met"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, out.String())
		}
	}
	md := r.markdown()
	for _, want := range []string{"gh-session throughput ≥ 95% of gatehouse's", "| gh-session / gatehouse | 0.979 |", "**met**"} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}

	// The variant below its target misses the scenario's.
	r.scenario.Variant.MinRatio = 0.99
	if r.met() {
		t.Error("a variant below its target reported met")
	}
}
