package main

import (
	"os"
	"os/exec"
	"runtime"
	"syscall"
)

const pinnedEnv = "SIOBENCH_PINNED"

// pinSelf re-executes this program under "taskset -c cpu" once, so that the
// generator and the peer (pinned to CPU 0) do not share a core. It returns
// only if pinning is not possible or already done.
func pinSelf(cpu string) {
	if os.Getenv(pinnedEnv) != "" || runtime.NumCPU() < 2 {
		return
	}
	ts, err := exec.LookPath("taskset")
	if err != nil {
		return
	}
	exe, err := os.Executable()
	if err != nil {
		return
	}
	argv := append([]string{ts, "-c", cpu, exe}, os.Args[1:]...)
	env := append(os.Environ(), pinnedEnv+"="+cpu)
	syscall.Exec(ts, argv, env) // returns only on failure
}
