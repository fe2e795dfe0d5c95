package main

import (
	"math"
	"strings"
	"testing"
	"time"
)

func TestMedian(t *testing.T) {
	tests := []struct {
		in   []float64
		want float64
	}{
		{[]float64{3}, 3},
		{[]float64{5, 1, 3}, 3},
		{[]float64{4, 1, 3, 2}, 2.5},
	}
	for _, tt := range tests {
		if got := median(tt.in); got != tt.want {
			t.Errorf("median(%v) = %v, want %v", tt.in, got, tt.want)
		}
	}
	if !math.IsNaN(median(nil)) {
		t.Error("median(nil) is not NaN")
	}
}

func TestReplaceSection(t *testing.T) {
	doc := "# Results\n\nintro\n"
	got, err := replaceSection([]byte(doc), "a", "one\n")
	if err != nil {
		t.Fatal(err)
	}
	got, err = replaceSection(got, "b", "two\n")
	if err != nil {
		t.Fatal(err)
	}
	got, err = replaceSection(got, "a", "three\n")
	if err != nil {
		t.Fatal(err)
	}
	want := "# Results\n\nintro\n\n" +
		"<!-- bench:begin a -->\nthree\n<!-- bench:end a -->\n\n" +
		"<!-- bench:begin b -->\ntwo\n<!-- bench:end b -->\n"
	if string(got) != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
	if _, err := replaceSection([]byte("<!-- bench:begin a -->\n"), "a", "x"); err == nil {
		t.Error("accepted a section without end marker")
	}
}

func TestReportRatios(t *testing.T) {
	r := &report{
		scenario: Scenario{Name: "s", Path: "/prod/x", Target: Target{MinThroughput: 0.95, MaxP99: 1.2}},
		opts:     options{runs: 3, conns: 64, duration: 10 * time.Second, warmup: time.Second},
		labels:   []string{"B0", "gatehouse"},
	}
	for i, v := range []struct{ b0, gh float64 }{{1000, 960}, {1100, 1000}, {900, 900}} {
		r.samples = append(r.samples,
			sample{round: i + 1, system: "B0", rps: v.b0, p99: 10 * time.Millisecond},
			sample{round: i + 1, system: "gatehouse", rps: v.gh, p99: 11 * time.Millisecond})
	}
	r.finish(machine{cpus: 2, cpuModel: "Test CPU"})
	// Medians: B0 1000, gatehouse 960.
	if got := r.ratio.throughput; math.Abs(got-0.96) > 1e-9 {
		t.Errorf("throughput ratio = %v, want 0.96", got)
	}
	if got := r.ratio.p99; math.Abs(got-1.1) > 1e-9 {
		t.Errorf("p99 ratio = %v, want 1.1", got)
	}
	if lo, hi := r.ratio.throughputLo, r.ratio.throughHi; math.Abs(lo-1000.0/1100) > 1e-9 || hi != 1 {
		t.Errorf("per-round range = %v–%v, want 0.909–1", lo, hi)
	}
	if !r.met() {
		t.Error("target reported missed")
	}
	md := r.markdown()
	for _, want := range []string{"## s — gatehouse vs B0", "2 CPUs (nproc), Test CPU", "| throughput | 0.960 |", "**met**"} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
}

func TestCPUModel(t *testing.T) {
	info := "processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC 7B13\nprocessor\t: 1\nmodel name\t: AMD EPYC 7B13\n"
	if got := cpuModel(info); got != "AMD EPYC 7B13" {
		t.Errorf("cpuModel = %q", got)
	}
	if got := cpuModel(""); got != "unknown CPU" {
		t.Errorf("cpuModel(\"\") = %q", got)
	}
}
