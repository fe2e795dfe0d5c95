package loadgen

import (
	"math"
	"math/bits"
	"time"
)

// Histogram layout. Values are nanoseconds. Values below 2^subBits are
// stored exactly, one bucket each; above that every power-of-two range
// [2^k, 2^(k+1)) is split into halfSub linear buckets, so a bucket is at most
// 1/halfSub (0.8%) of its value wide. Values at or above maxValue land in the
// last bucket; Max still reports them exactly.
const (
	subBits    = 8
	subCount   = 1 << subBits // 256
	halfSub    = subCount / 2 // 128
	maxShift   = 32           // 2^(32+8) ns ≈ 18 min
	maxValue   = 1 << (maxShift + subBits)
	numBuckets = maxShift*halfSub + subCount
)

// Histogram is a fixed-size log-linear latency histogram (in the manner of
// HdrHistogram) with a relative error below 1%. Recording never allocates,
// and its size does not depend on the number of values recorded. The zero
// value is empty and ready to use. A Histogram is not safe for concurrent
// use; give each goroutine its own and Merge them.
type Histogram struct {
	counts [numBuckets]uint64
	count  uint64
	sum    uint64 // nanoseconds
	min    uint64
	max    uint64
}

// bucketOf returns the bucket index of v (nanoseconds).
func bucketOf(v uint64) int {
	if v >= maxValue {
		v = maxValue - 1
	}
	shift := bits.Len64(v) - subBits
	if shift <= 0 {
		return int(v)
	}
	return shift*halfSub + int(v>>uint(shift))
}

// bucketBounds returns the lowest and highest value stored in bucket i.
func bucketBounds(i int) (lo, hi uint64) {
	if i < subCount {
		return uint64(i), uint64(i)
	}
	shift := uint(i/halfSub - 1)
	m := uint64(i - int(shift)*halfSub)
	return m << shift, (m+1)<<shift - 1
}

// Record adds one latency. Negative durations count as zero.
func (h *Histogram) Record(d time.Duration) {
	v := uint64(0)
	if d > 0 {
		v = uint64(d)
	}
	h.counts[bucketOf(v)]++
	if h.count == 0 || v < h.min {
		h.min = v
	}
	if v > h.max {
		h.max = v
	}
	h.count++
	h.sum += v
}

// Merge adds every value recorded in o to h.
func (h *Histogram) Merge(o *Histogram) {
	if o.count == 0 {
		return
	}
	for i, c := range o.counts {
		h.counts[i] += c
	}
	if h.count == 0 || o.min < h.min {
		h.min = o.min
	}
	if o.max > h.max {
		h.max = o.max
	}
	h.count += o.count
	h.sum += o.sum
}

// Count returns the number of recorded values.
func (h *Histogram) Count() uint64 { return h.count }

// Min returns the smallest recorded value exactly, or 0 if h is empty.
func (h *Histogram) Min() time.Duration { return time.Duration(h.min) }

// Max returns the largest recorded value exactly, or 0 if h is empty.
func (h *Histogram) Max() time.Duration { return time.Duration(h.max) }

// Mean returns the arithmetic mean, or 0 if h is empty.
func (h *Histogram) Mean() time.Duration {
	if h.count == 0 {
		return 0
	}
	return time.Duration(h.sum / h.count)
}

// Percentile returns the value at or below which the fraction q (0..1) of
// the recorded values lie: the nearest-rank value ceil(q·count), reported as
// the highest value of its bucket (at most 0.8% above the true value), or as
// Max exactly when it falls in Max's bucket. It returns 0 if h is empty.
func (h *Histogram) Percentile(q float64) time.Duration {
	if h.count == 0 {
		return 0
	}
	rank := uint64(math.Ceil(q * float64(h.count)))
	rank = max(rank, 1)
	rank = min(rank, h.count)
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			if i == bucketOf(h.max) {
				return time.Duration(h.max) // exact, also beyond the last bucket
			}
			_, hi := bucketBounds(i)
			return time.Duration(max(hi, h.min))
		}
	}
	return time.Duration(h.max)
}
