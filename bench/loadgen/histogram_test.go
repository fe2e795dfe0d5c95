package loadgen

import (
	"math/rand/v2"
	"testing"
	"time"
)

func TestHistogramPercentiles(t *testing.T) {
	// 1 µs, 2 µs, ..., 10000 µs: the nearest-rank q-quantile is q·10000 µs.
	var h Histogram
	for i := 10000; i >= 1; i-- { // order must not matter
		h.Record(time.Duration(i) * time.Microsecond)
	}
	tests := []struct {
		q    float64
		want time.Duration
	}{
		{0.0001, 1 * time.Microsecond},
		{0.50, 5000 * time.Microsecond},
		{0.90, 9000 * time.Microsecond},
		{0.99, 9900 * time.Microsecond},
		{0.999, 9990 * time.Microsecond},
		{1, 10000 * time.Microsecond},
	}
	for _, tt := range tests {
		got := h.Percentile(tt.q)
		// A bucket is at most 1/128 of its value wide and the highest value
		// of the bucket is reported: got is in [want, want·(1+1/128)].
		if got < tt.want || float64(got) > float64(tt.want)*(1+1.0/128) {
			t.Errorf("Percentile(%v) = %v, want %v within +0.8%%", tt.q, got, tt.want)
		}
	}
	if h.Count() != 10000 || h.Min() != time.Microsecond || h.Max() != 10*time.Millisecond {
		t.Errorf("Count, Min, Max = %d, %v, %v; want 10000, 1µs, 10ms", h.Count(), h.Min(), h.Max())
	}
	if want := 5000500 * time.Nanosecond; h.Mean() != want {
		t.Errorf("Mean = %v, want %v", h.Mean(), want)
	}
}

func TestHistogramExactSmallValues(t *testing.T) {
	var h Histogram
	for _, v := range []time.Duration{3, 1, 2, 4, 100} {
		h.Record(v)
	}
	for q, want := range map[float64]time.Duration{0.2: 1, 0.4: 2, 0.5: 3, 0.8: 4, 0.81: 100, 1: 100} {
		if got := h.Percentile(q); got != want {
			t.Errorf("Percentile(%v) = %v, want %v", q, got, want)
		}
	}
}

func TestHistogramSkewed(t *testing.T) {
	// 990 fast requests and 10 slow ones: p99 is fast, p99.1 is slow.
	var h Histogram
	for range 990 {
		h.Record(2 * time.Millisecond)
	}
	for range 10 {
		h.Record(300 * time.Millisecond)
	}
	if got := h.Percentile(0.99); got < 2*time.Millisecond || got > 2*time.Millisecond*129/128 {
		t.Errorf("p99 = %v, want 2ms within +0.8%%", got)
	}
	if got := h.Percentile(0.991); got != 300*time.Millisecond {
		t.Errorf("p99.1 = %v, want 300ms", got)
	}
}

func TestHistogramEmpty(t *testing.T) {
	var h Histogram
	if h.Percentile(0.5) != 0 || h.Max() != 0 || h.Mean() != 0 || h.Count() != 0 {
		t.Error("empty histogram reports non-zero values")
	}
}

func TestHistogramHugeValue(t *testing.T) {
	var h Histogram
	h.Record(time.Hour) // beyond the last bucket
	h.Record(-time.Second)
	if h.Max() != time.Hour || h.Percentile(1) != time.Hour || h.Min() != 0 {
		t.Errorf("Max, p100, Min = %v, %v, %v; want 1h, 1h, 0", h.Max(), h.Percentile(1), h.Min())
	}
}

func TestHistogramMerge(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var all, a, b Histogram
	for i := range 5000 {
		v := time.Duration(rng.Int64N(int64(50 * time.Millisecond)))
		all.Record(v)
		if i%3 == 0 {
			a.Record(v)
		} else {
			b.Record(v)
		}
	}
	var m Histogram
	m.Merge(&a)
	m.Merge(&Histogram{})
	m.Merge(&b)
	if m != all {
		t.Error("merged histogram differs from one fed all values")
	}
}

func TestBucketsContiguous(t *testing.T) {
	for i := range numBuckets - 1 {
		_, hi := bucketBounds(i)
		lo, _ := bucketBounds(i + 1)
		if hi+1 != lo {
			t.Fatalf("bucket %d ends at %d, bucket %d starts at %d", i, hi, i+1, lo)
		}
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for range 100000 {
		v := rng.Uint64N(maxValue)
		lo, hi := bucketBounds(bucketOf(v))
		if v < lo || v > hi {
			t.Fatalf("value %d in bucket [%d, %d]", v, lo, hi)
		}
		if lo >= subCount && float64(hi-lo+1)/float64(lo) > 1.0/halfSub {
			t.Fatalf("bucket [%d, %d] wider than 1/%d of its value", lo, hi, halfSub)
		}
	}
}

func TestHistogramRecordDoesNotAllocate(t *testing.T) {
	h := new(Histogram)
	if n := testing.AllocsPerRun(1000, func() { h.Record(1234567) }); n != 0 {
		t.Errorf("Record allocates %v times", n)
	}
}

func BenchmarkHistogramRecord(b *testing.B) {
	var h Histogram
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		h.Record(time.Duration(i&0xfffff) * time.Microsecond)
	}
}
