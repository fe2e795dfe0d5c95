package lambda

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
)

func TestVCPUs(t *testing.T) {
	for _, tc := range []struct{ mb, want int }{
		{128, 1}, {1769, 1}, {1770, 2}, {3008, 2}, {10240, 6},
	} {
		if got := vcpus(tc.mb); got != tc.want {
			t.Errorf("vcpus(%d) = %d, want %d", tc.mb, got, tc.want)
		}
	}
}

func TestCPUPlacerSpreads(t *testing.T) {
	c := newCPUPlacer([]int{0, 2, 5, 7})
	var slots [][]int
	seen := map[int]int{}
	for range 4 {
		cpus, s := c.place(128)
		if len(cpus) != 1 {
			t.Fatalf("128 MB got %v, want one CPU", cpus)
		}
		seen[cpus[0]]++
		slots = append(slots, s)
	}
	if len(seen) != 4 {
		t.Fatalf("four processes share CPUs %v: want one each", seen)
	}
	c.release(slots[1])
	if cpus, _ := c.place(128); cpus[0] != 2 {
		t.Fatalf("after CPU 2 was freed, got %v", cpus)
	}
	if cpus, _ := c.place(3008); len(cpus) != 2 || cpus[0] == cpus[1] {
		t.Fatalf("3008 MB got %v, want two distinct CPUs", cpus)
	}
	if cpus, _ := c.place(10240); cpus != nil {
		t.Fatalf("a function entitled to every CPU got %v, want no restriction", cpus)
	}
	var none *cpuPlacer
	if cpus, _ := none.place(128); cpus != nil {
		t.Fatalf("no placer: %v", cpus)
	}
}

// TestProcessCPUs checks what a function process sees: one CPU for a
// 128 MB function (Go sizes GOMAXPROCS from it), every CPU for one
// entitled to all of them, and two processes on different CPUs.
func TestProcessCPUs(t *testing.T) {
	t.Parallel()
	all := allowedCPUs()
	if len(all) < 2 {
		t.Skipf("this machine lets the tests use %d CPU(s): nothing to restrict", len(all))
	}
	small := helperFunction(t, "small", "cpus")
	small.Concurrency = 2
	big := helperFunction(t, "big", "cpus")
	big.MemorySize = 10240
	h, _ := newTestHost(t, testOpts(), small, big)

	type seen struct {
		NumCPU int   `json:"numCPU"`
		CPUs   []int `json:"cpus"`
	}
	invokeWith := func(fn, event string) seen {
		res, fe, err := h.Invoke(context.Background(), fn, []byte(event))
		var s seen
		if err != nil || fe != nil {
			t.Errorf("%s: %v %v", fn, fe, err)
		} else if err := json.Unmarshal(res, &s); err != nil {
			t.Errorf("%s: %s: %v", fn, res, err)
		}
		return s
	}
	invoke := func(fn string) seen { return invokeWith(fn, `{}`) }
	if s := invoke("small"); s.NumCPU != 1 || len(s.CPUs) != 1 {
		t.Fatalf("128 MB process sees %+v, want one CPU", s)
	}
	if s := invoke("big"); len(s.CPUs) != min(len(all), 6) || s.NumCPU != len(s.CPUs) {
		t.Fatalf("10240 MB process sees %+v, want %d CPUs of %v", s, min(len(all), 6), all)
	}

	// Two invocations at once run in two processes, each on its own CPU.
	res := make(chan seen, 2)
	for range 2 {
		go func() { res <- invokeWith("small", `{"Millis":300}`) }()
	}
	a, b := <-res, <-res
	if len(a.CPUs) != 1 || len(b.CPUs) != 1 || a.CPUs[0] == b.CPUs[0] {
		t.Fatalf("two processes of one function ran on CPUs %v and %v, want two different ones", a.CPUs, b.CPUs)
	}
	// gatehouse's own threads keep every CPU.
	if now := allowedCPUs(); !slices.Equal(now, all) {
		t.Fatalf("gatehouse's affinity changed from %v to %v", all, now)
	}
}
