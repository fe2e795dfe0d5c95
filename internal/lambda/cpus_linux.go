package lambda

import (
	"os/exec"
	"runtime"

	"golang.org/x/sys/unix"
)

// allowedCPUs lists the CPUs this process may run on, or nil when they
// cannot be read.
func allowedCPUs() []int {
	var set unix.CPUSet
	if err := unix.SchedGetaffinity(0, &set); err != nil {
		return nil
	}
	var cpus []int
	for i := range len(set) * 64 {
		if set.IsSet(i) {
			cpus = append(cpus, i)
		}
	}
	return cpus
}

// startOnCPUs starts cmd with its CPU affinity set to cpus (all CPUs when
// cpus is empty). A child inherits the affinity of the thread that forks
// it, so the fork happens on a locked thread whose affinity is narrowed
// for the moment of the fork, then restored. (Setting the child's affinity
// after Start would race with its runtime, which sizes itself from the
// affinity as it starts.) Where the affinity cannot be changed (a seccomp
// profile may forbid it), the process starts on every CPU: the placement
// emulates Lambda's CPU share; no function relies on it.
func startOnCPUs(cmd *exec.Cmd, cpus []int) error {
	if len(cpus) == 0 {
		return cmd.Start()
	}
	var want unix.CPUSet
	for _, c := range cpus {
		want.Set(c)
	}
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		var orig unix.CPUSet
		if unix.SchedGetaffinity(0, &orig) != nil || unix.SchedSetaffinity(0, &want) != nil {
			runtime.UnlockOSThread()
			errc <- cmd.Start()
			return
		}
		errc <- cmd.Start()
		if unix.SchedSetaffinity(0, &orig) != nil {
			// Keep the thread locked and this goroutine alive: a locked
			// thread ends with its goroutine, and a child started with
			// Pdeathsig is killed when the thread that forked it ends.
			select {}
		}
		runtime.UnlockOSThread()
	}()
	return <-errc
}
