package lambda

import "sync"

// Lambda gives a function CPU power in proportion to its memory: the
// equivalent of one vCPU at 1,769 MB, and up to six at 10,240 MB. gatehouse
// cannot slow a process down to a fraction of a CPU, but it keeps the
// number of CPUs a function process may run on in that proportion, with
// the CPU affinity it starts the process with (Linux). A process of a
// 128 MB function therefore runs on one CPU, as its work does on Lambda,
// and the runtimes size themselves for it: a Go function gets
// GOMAXPROCS=1, so its scheduler does not spin a second thread per
// invocation. See docs/lambda-runtime.md.
const mbPerVCPU = 1769

// vcpus is how many CPUs Lambda's allocation for memoryMB amounts to.
func vcpus(memoryMB int) int {
	return max(1, (memoryMB+mbPerVCPU-1)/mbPerVCPU)
}

// cpuPlacer hands out CPU sets to new function processes, spreading them
// over the CPUs gatehouse itself may use: each set is made of the CPUs
// holding the fewest live processes.
type cpuPlacer struct {
	mu   sync.Mutex
	cpus []int // the CPUs gatehouse may run on
	load []int // live processes placed on each of cpus
}

func newCPUPlacer(cpus []int) *cpuPlacer {
	return &cpuPlacer{cpus: cpus, load: make([]int, len(cpus))}
}

// place returns the CPUs for a process of a function with memoryMB, and
// the indexes to give back to release. It returns nil when the process
// should run unrestricted: the function is entitled to every CPU there is,
// or the CPUs are unknown.
func (c *cpuPlacer) place(memoryMB int) (cpus, slots []int) {
	if c == nil {
		return nil, nil
	}
	n := vcpus(memoryMB)
	if n >= len(c.cpus) {
		return nil, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	taken := make([]bool, len(c.cpus))
	for range n {
		best := -1
		for i, l := range c.load {
			if !taken[i] && (best < 0 || l < c.load[best]) {
				best = i
			}
		}
		taken[best] = true
		c.load[best]++
		slots = append(slots, best)
		cpus = append(cpus, c.cpus[best])
	}
	return cpus, slots
}

// release gives back what place handed out for a process that has exited.
func (c *cpuPlacer) release(slots []int) {
	if c == nil || len(slots) == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, i := range slots {
		c.load[i]--
	}
}
