package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/cachecascade/cachecascade/internal/env"
)

// DefaultProcs is the number of Ginkgo processes of the phases that call
// the target (live and re-record) unless -procs or env.Procs says
// otherwise. The phases that replay run one process: they are CPU-bound.
const DefaultProcs = 8

// defaultProcs is -procs's default: env.Procs when it holds a number,
// DefaultProcs otherwise (a bad value is reported by parseOptions).
func defaultProcs() int {
	if n, err := strconv.Atoi(os.Getenv(env.Procs)); err == nil {
		return n
	}
	return DefaultProcs
}

// procsError says what is wrong with a -procs value or env.Procs, or
// returns "".
func procsError(procs int) string {
	if v := os.Getenv(env.Procs); v != "" {
		if _, err := strconv.Atoi(v); err != nil {
			return fmt.Sprintf("%s=%q: want a number of processes", env.Procs, v)
		}
	}
	if procs < 1 {
		return fmt.Sprintf("-procs %d: want at least one process", procs)
	}
	return ""
}

// parallel reports whether a phase in a mode runs over several processes:
// those that call the target, when -procs asks for more than one.
func (n *nightly) parallel(mode string) bool {
	return mode != "replay" && n.procs > 1
}

// prepareParallel builds the Ginkgo CLI that runs the parallel phases and
// links the suites' test binary into the suites' directory: the CLI starts
// a precompiled suite's processes in the directory that holds it, and the
// suites find the module root from their working directory. The link's
// name starts with a dot and ends in .test, which Go and Git ignore;
// removeTemp removes it.
func (n *nightly) prepareParallel(ctx context.Context) error {
	n.ginkgo = filepath.Join(filepath.Dir(n.bin), "ginkgo")
	build := exec.CommandContext(ctx, "go", "build", "-o", n.ginkgo, "github.com/onsi/ginkgo/v2/ginkgo")
	build.Dir, build.Stdout, build.Stderr = n.root, n.stderr, n.stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("building the Ginkgo CLI (go build github.com/onsi/ginkgo/v2/ginkgo): %v", err)
	}
	n.link = filepath.Join(n.suites, fmt.Sprintf(".nightly-%d-%08x.test", os.Getpid(), rand.Uint32()))
	if err := os.Symlink(n.bin, n.link); err != nil {
		return fmt.Errorf("linking the suites' test binary into %s: %v", n.suites, err)
	}
	return nil
}

// suiteCommand returns the command that runs the suites for a phase in a
// mode, writing Ginkgo's reports into dir: the test binary itself in one
// process, or the Ginkgo CLI over n.procs processes (see parallel), in
// random order, with the same settings and selection. args are test-binary flags
// (-ginkgo.label-filter=…, -ginkgo.focus=…).
func (n *nightly) suiteCommand(ctx context.Context, mode, dir string, args []string) *exec.Cmd {
	settings := []string{"timeout=" + n.timeout.String(), "no-color", "succinct"}
	if !n.parallel(mode) {
		argv := []string{"-test.timeout=0"}
		for _, s := range settings {
			argv = append(argv, "-ginkgo."+s)
		}
		argv = append(argv, "-ginkgo.json-report="+filepath.Join(dir, "ginkgo.json"), "-ginkgo.junit-report="+filepath.Join(dir, "junit.xml"))
		cmd := exec.CommandContext(ctx, n.bin, append(argv, args...)...)
		cmd.Dir = n.suites
		return cmd
	}
	// Randomized, the specs of one model (adjacent in the suites) spread
	// over the run instead of queueing at its per-model cap.
	argv := []string{"run", "--procs=" + strconv.Itoa(n.procs), "--randomize-all"}
	for _, s := range settings {
		argv = append(argv, "--"+s)
	}
	argv = append(argv, "--output-dir="+dir, "--json-report=ginkgo.json", "--junit-report=junit.xml")
	for _, a := range args {
		argv = append(argv, "--"+strings.TrimPrefix(a, "-ginkgo."))
	}
	cmd := exec.CommandContext(ctx, n.ginkgo, append(argv, n.link)...)
	cmd.Dir = n.root
	return cmd
}
