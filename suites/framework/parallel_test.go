package framework_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cachecascade/cachecascade/emulator"
	"github.com/cachecascade/cachecascade/internal/env"
	"github.com/cachecascade/cachecascade/internal/modroot"
	"github.com/cachecascade/cachecascade/recorder"
	"github.com/cachecascade/cachecascade/suites/framework"
)

// TestRecordInParallelLeavesTheSerialManifest records the same specs against
// the emulator once serially and once over two Ginkgo processes, each into
// its own copy of the cassettes, and holds the two manifests equal but for
// the recording dates: provenance travels as report entries, so the manifest
// does not depend on which process recorded a spec.
func TestRecordInParallelLeavesTheSerialManifest(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the Ginkgo CLI and runs the suites twice")
	}
	root, err := modroot.Find()
	if err != nil {
		t.Fatal(err)
	}
	const filter = "model:nova-lite && (area:limits || area:streaming)"
	manifests := map[string]recorder.Manifest{}
	for _, procs := range []string{"1", "2"} {
		dir := framework.CopyCassettes(t)
		cmd := exec.Command("go", "tool", "ginkgo", "run", "--no-color", "--succinct", "--procs="+procs, "--label-filter="+filter, "./suites")
		cmd.Dir = root
		cmd.Env = append(os.Environ(), env.Mode+"=record", env.Target+"=emulator", env.Cassettes+"="+dir,
			env.ReportDir+"="+t.TempDir(), env.Quiet+"=1", env.Endpoint+"=", env.BearerToken+"=")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("record with --procs=%s: %v\n%s", procs, err, out)
		}
		m, err := recorder.ReadManifest(dir)
		if err != nil {
			t.Fatal(err)
		}
		manifests[procs] = m
	}
	before, err := recorder.ReadManifest(filepath.Join(root, "cassettes"))
	if err != nil {
		t.Fatal(err)
	}
	recorded := 0
	for path, p := range manifests["2"].Cassettes {
		if p.Recorded != before.Cassettes[path].Recorded {
			recorded++
		}
	}
	if recorded == 0 {
		t.Fatal("the parallel run updated no manifest entry: nothing was recorded")
	}
	undate := func(m recorder.Manifest) string {
		for k, p := range m.Cassettes {
			p.Recorded = ""
			m.Cassettes[k] = p
		}
		b, _ := json.Marshal(m)
		return string(b)
	}
	if a, b := undate(manifests["1"]), undate(manifests["2"]); !reflect.DeepEqual(a, b) {
		t.Errorf("the manifest of a record over two processes differs from a serial one's (dates aside)")
	}
	t.Logf("%d manifest entries recorded, the same serially and over two processes", recorded)
}

// runSuites runs the suites with the Ginkgo CLI over procs processes, the
// selected specs, live and with the given variables added to a clean run
// environment, and returns the output and whether the suite passed.
func runSuites(t *testing.T, procs int, filter string, vars ...string) (string, bool) {
	t.Helper()
	root, err := modroot.Find()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", "tool", "ginkgo", "run", "--no-color", "--succinct", "--procs="+strconv.Itoa(procs), "--label-filter="+filter, "./suites")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), env.Mode+"=live", env.Target+"=", env.EmulatorProfiles+"=", env.EmulatorLatency+"=",
		env.BudgetUSD+"=", env.BudgetTokens+"=", env.ModelConcurrency+"=", env.Quiet+"=1", env.Endpoint+"=", env.BearerToken+"=")
	cmd.Env = append(cmd.Env, vars...)
	out, err := cmd.CombinedOutput()
	return string(out), err == nil
}

// readSpend reads the run's tally from its report directory.
func readSpend(t *testing.T, reports string) framework.Spend {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(reports, framework.LedgerFile))
	if err != nil {
		t.Fatal(err)
	}
	var s framework.Spend
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestParallelRunStopsAtTheBudget runs 50 cascade specs (250 calls of
// about 3,400 tokens) over three processes against the emulator with a
// budget of 60,000 tokens. The cassette directory's manifest is empty, so
// the estimate before the run is nothing and the budget is met while the
// specs run. The processes share one tally: the run stops at the budget,
// passing it by at most the calls in flight (one per process), not at
// three times it; every progress line shows the whole run's total.
func TestParallelRunStopsAtTheBudget(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the suites over three processes")
	}
	cassettes, reports := t.TempDir(), t.TempDir()
	if err := os.WriteFile(filepath.Join(cassettes, "manifest.json"), []byte(`{"cassettes":{}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	const budget = 60000
	out, passed := runSuites(t, 3, "family:nova && area:cascade", env.Target+"=emulator", env.Cassettes+"="+cassettes,
		env.ReportDir+"="+reports, env.BudgetTokens+"="+strconv.Itoa(budget))
	if passed || !strings.Contains(out, "the run's budget is spent") {
		t.Fatalf("the run did not stop for its budget:\n%s", out)
	}
	s := readSpend(t, reports)
	perCall := s.Tokens / max(s.Calls, 1)
	if s.Tokens < budget || s.Tokens >= budget+3*2*perCall {
		t.Errorf("the run spent %d tokens over %d calls (about %d a call) against a budget of %d over 3 processes; want the budget reached and passed by at most the calls in flight", s.Tokens, s.Calls, perCall, budget)
	}
	// The progress lines count the calls of every process: the last ones
	// show the run's total.
	most := 0
	for _, m := range regexp.MustCompile(`\(run \$[0-9.]+, ([0-9]+) calls`).FindAllStringSubmatch(out, -1) {
		n, _ := strconv.Atoi(m[1])
		most = max(most, n)
	}
	if most != s.Calls {
		t.Errorf("the progress lines count at most %d calls; the run's tally has %d", most, s.Calls)
	}
	t.Logf("budget %d tokens: the run spent %d tokens ($%.4f) over %d calls", budget, s.Tokens, s.USD, s.Calls)
}

// inflightCounter is an emulator behind a handler that counts the calls in
// flight to each model and keeps the most it saw.
type inflightCounter struct {
	next http.Handler
	mu   sync.Mutex
	now  map[string]int
	most map[string]int
}

func (c *inflightCounter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	model, ok := strings.CutPrefix(r.URL.Path, "/model/")
	if !ok {
		c.next.ServeHTTP(w, r)
		return
	}
	model, _, _ = strings.Cut(model, "/")
	c.mu.Lock()
	c.now[model]++
	c.most[model] = max(c.most[model], c.now[model])
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		c.now[model]--
		c.mu.Unlock()
	}()
	c.next.ServeHTTP(w, r)
}

// TestParallelRunCapsCallsInFlightPerModel runs one model's cascade specs
// over four processes against one emulator, through
// AWS_ENDPOINT_URL_BEDROCK_RUNTIME, that answers after 30 ms and counts the
// calls in flight to each model: with a cap of 1 there is never more than
// one; with a cap of 2 there are two at times, never three.
func TestParallelRunCapsCallsInFlightPerModel(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the suites over four processes twice")
	}
	for _, limit := range []int{1, 2} {
		emu, err := emulator.New(emulator.Options{Profiles: []string{emulator.BenignLatency}, Latency: 30 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		c := &inflightCounter{next: emu, now: map[string]int{}, most: map[string]int{}}
		srv := httptest.NewServer(c)
		out, passed := runSuites(t, 4, "model:nova-lite && area:cascade", env.Endpoint+"="+srv.URL, env.ReportDir+"="+t.TempDir(),
			env.ModelConcurrency+"="+strconv.Itoa(limit), "AWS_ACCESS_KEY_ID=AKIDCAPTEST000000000", "AWS_SECRET_ACCESS_KEY=cap-test-secret",
			"AWS_SESSION_TOKEN=", "AWS_PROFILE=", "AWS_REGION=us-east-1", "AWS_EC2_METADATA_DISABLED=true")
		srv.Close()
		if !passed {
			t.Fatalf("cap %d: the suites failed:\n%s", limit, out)
		}
		if len(c.most) != 1 {
			t.Fatalf("cap %d: calls went to %v, want one model", limit, c.most)
		}
		for model, most := range c.most {
			if most != limit {
				t.Errorf("cap %d: at most %d calls were in flight to %s, want %d", limit, most, model, limit)
			}
		}
	}
}

// TestParallelRunEstimatedOverBudgetIsRefused: the first process estimates
// a two-process run from the cassettes and refuses it, over budget, before
// any process sends a call.
func TestParallelRunEstimatedOverBudgetIsRefused(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the suites over two processes")
	}
	reports := t.TempDir()
	out, passed := runSuites(t, 2, "model:nova-lite && area:cascade", env.Target+"=emulator", env.ReportDir+"="+reports, env.BudgetUSD+"=0.0001")
	if passed || !strings.Contains(out, "over the budget "+env.BudgetUSD+"=$0.0001") {
		t.Fatalf("a run estimated over its budget was not refused:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(reports, framework.LedgerFile)); !os.IsNotExist(err) {
		t.Errorf("a refused run opened its tally (%v): it got as far as its specs", err)
	}
}
