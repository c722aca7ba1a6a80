package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cachecascade/cachecascade/sdkcheck"
)

func TestParseArgs(t *testing.T) {
	var stderr bytes.Buffer
	c, render, err := parseArgs([]string{"v1.37.1", "latest", "v1.50.0-rc.1"}, &stderr)
	if err != nil || render != "" || stderr.Len() != 0 {
		t.Fatalf("parseArgs = %v, %q; stderr %q", err, render, stderr.String())
	}
	if !slices.Equal(c.versions, []string{"v1.37.1", "latest", "v1.50.0-rc.1"}) {
		t.Errorf("versions %q", c.versions)
	}
	if c.out != "reports/sdk-upgrade.md" || c.jsonOut != "reports/sdk-upgrade.json" || c.builds != 30 || c.cold || c.keep {
		t.Errorf("defaults %+v", c)
	}

	args := []string{"-cold", "-keep", "-builds=5", "-out=", "-json", "/tmp/x.json", "v1.37.2"}
	c, _, err = parseArgs(args, &stderr)
	if err != nil || !c.cold || !c.keep || c.builds != 5 || c.out != "" || c.jsonOut != "/tmp/x.json" || !slices.Equal(c.versions, []string{"v1.37.2"}) {
		t.Errorf("flags: %+v, %v", c, err)
	}
	// The report names the command line as given.
	if !slices.Equal(c.args, args) {
		t.Errorf("args %q, want %q", c.args, args)
	}
}

func TestParseArgsErrors(t *testing.T) {
	for _, c := range []struct {
		name   string
		args   []string
		stderr []string // what stderr must say
	}{
		{"unknown flag", []string{"-verbose", "v1.37.1"}, []string{"flag provided but not defined: -verbose", "usage: scripts/sdk-upgrade", "-cold"}},
		{"bad flag value", []string{"-builds=many", "v1.37.1"}, []string{`invalid value "many" for flag -builds`, "usage:"}},
		{"no versions", nil, []string{"usage: scripts/sdk-upgrade [flags] VERSION...", "-render"}},
		{"only flags", []string{"-cold"}, []string{"usage: scripts/sdk-upgrade"}},
		{"no v", []string{"1.37.1"}, []string{`sdk-upgrade: "1.37.1" is not a version (want vX.Y.Z or latest)`}},
		{"two parts", []string{"v1.37.1", "v1.37"}, []string{`"v1.37" is not a version`}},
		{"query", []string{"upgrade"}, []string{`"upgrade" is not a version`}},
		{"capitalised latest", []string{"Latest"}, []string{`"Latest" is not a version`}},
		{"build metadata", []string{"v1.37.1+incompatible"}, []string{`"v1.37.1+incompatible" is not a version`}},
		// Flags stop at the first version: a later flag is a bad version.
		{"flag after version", []string{"v1.37.1", "-cold"}, []string{`"-cold" is not a version`}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var stderr bytes.Buffer
			_, render, err := parseArgs(c.args, &stderr)
			if err == nil || errors.Is(err, flag.ErrHelp) || render != "" {
				t.Fatalf("parseArgs(%q) = %v, render %q; want a usage error", c.args, err, render)
			}
			for _, want := range c.stderr {
				if !strings.Contains(stderr.String(), want) {
					t.Errorf("stderr lacks %q:\n%s", want, stderr.String())
				}
			}
		})
	}
}

func TestParseArgsHelpAndRender(t *testing.T) {
	var stderr bytes.Buffer
	if _, _, err := parseArgs([]string{"-h"}, &stderr); !errors.Is(err, flag.ErrHelp) || !strings.Contains(stderr.String(), "usage: scripts/sdk-upgrade") {
		t.Errorf("-h: %v, stderr %q", err, stderr.String())
	}
	// -render evaluates nothing: no version is needed, none is checked.
	for _, args := range [][]string{{"-render", "r.json"}, {"-render=r.json", "not-a-version"}} {
		c, render, err := parseArgs(args, &stderr)
		if err != nil || render != "r.json" || c.out != "reports/sdk-upgrade.md" {
			t.Errorf("parseArgs(%q) = %q, %v", args, render, err)
		}
	}
}

// TestRun runs the whole command on the fake project: the baseline, a
// cache-affecting v1.37.1 and a clean latest, through the summary, the
// report files and the exit status, then renders the JSON it wrote again.
func TestRun(t *testing.T) {
	w := newWorld(t)
	w.writeCassettes(t)
	w.r.recorded = nil // run loads them
	w.r.versions = []string{"v1.37.1", "latest"}
	w.r.args = []string{"-cold", "v1.37.1", "latest"}
	w.r.cold = true
	w.f.onDownload = func(query string) {
		switch query {
		case "v1.37.1":
			w.mapOrder137()
		case "latest":
			w.latestClean()
		}
	}
	var stdout bytes.Buffer
	code := w.r.run(context.Background(), &stdout)

	md := stdout.String()
	if code != 1 {
		t.Errorf("exit status %d, want 1 (v1.37.1 is cache-affecting)\n%s", code, md)
	}
	for _, want := range []string{
		"**❌ Cache-affecting: v1.37.1.** Exit status 1.",
		"| go.mod: v1.63.11 | smithy-go v1.28.8, core v1.47.7 | ✅ | ✅ 2 requests × 30 builds: 1 body each | ✅ 2/2 identical | ✅ 3 unchanged | ✅ clean |",
		"| v1.37.1 | smithy-go v1.22.5, core v1.38.1 | ✅ with `-tags cachecascade_nottl,cachecascade_nobearer`",
		"| latest = v1.63.11 | smithy-go v1.28.8, core v1.47.7 | ✅ | ✅ 2 requests × 30 builds: 1 body each | ✅ 2/2 identical | ✅ 3 unchanged | ✅ clean |",
		"- set `github.com/aws/aws-sdk-go-v2/config@v1.31.2` (project: v1.33.15)",
		"<sub>`scripts/sdk-upgrade -cold v1.37.1 latest` · go1.26.8</sub>",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("summary lacks %q:\n%s", want, md)
		}
	}
	if n := len(w.f.commands("suites.test")); n != 3 {
		t.Errorf("the suites ran %d times, want 3 (baseline and two versions)", n)
	}
	written, err := os.ReadFile(filepath.Join(w.root, "reports", "sdk-upgrade.md"))
	if err != nil || string(written) != md {
		t.Errorf("reports/sdk-upgrade.md differs from stdout (%v)", err)
	}
	var s sdkcheck.Summary
	b, err := os.ReadFile(filepath.Join(w.root, "reports", "sdk-upgrade.json"))
	if err == nil {
		err = json.Unmarshal(b, &s)
	}
	if err != nil || len(s.Evaluations) != 3 || !s.Evaluations[0].Baseline || s.Evaluations[1].Version != "v1.37.1" || s.Evaluations[2].Requested != "latest" {
		t.Fatalf("reports/sdk-upgrade.json: %v, %+v", err, s)
	}
	if !s.Evaluations[1].Timing.Cold || s.Evaluations[0].Timing.Cold {
		t.Errorf("-cold applies to the versions, not the baseline: %+v %+v", s.Evaluations[0].Timing, s.Evaluations[1].Timing)
	}

	// -render gives the same summary and status from the JSON alone.
	var again bytes.Buffer
	out := filepath.Join(t.TempDir(), "again.md")
	if code := renderOnly(&again, filepath.Join(w.root, "reports", "sdk-upgrade.json"), out); code != 1 || again.String() != md {
		t.Errorf("renderOnly: status %d, same Markdown %v", code, again.String() == md)
	}
	if b, err := os.ReadFile(out); err != nil || string(b) != md {
		t.Errorf("renderOnly wrote %q, %v", b, err)
	}
}

func TestRunFailsWithoutCassettes(t *testing.T) {
	w := newWorld(t)
	w.r.cassettes = filepath.Join(w.root, "missing")
	var stdout bytes.Buffer
	if code := w.r.run(context.Background(), &stdout); code != 2 || stdout.Len() != 0 {
		t.Errorf("run without cassettes = %d, printed %q", code, stdout.String())
	}
	if len(w.f.commands("suites.test")) != 0 {
		t.Error("evaluated without cassettes to compare with")
	}
}

func TestRenderOnlyErrors(t *testing.T) {
	dir := t.TempDir()
	corrupt := filepath.Join(dir, "corrupt.json")
	if err := os.WriteFile(corrupt, []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, from := range []string{filepath.Join(dir, "missing.json"), corrupt} {
		var stdout bytes.Buffer
		if code := renderOnly(&stdout, from, ""); code != 2 || stdout.Len() != 0 {
			t.Errorf("renderOnly(%s) = %d, printed %q", from, code, stdout.String())
		}
	}
}

// TestPublish checks the exit status and headline for each outcome, and
// that an empty path writes nothing.
func TestPublish(t *testing.T) {
	base := sdkcheck.Evaluation{Baseline: true, Version: "v1.63.11"}
	for _, c := range []struct {
		name     string
		e        sdkcheck.Evaluation
		code     int
		headline string
	}{
		{"clean", sdkcheck.Evaluation{Requested: "v1.40.0", Version: "v1.40.0"}, 0, "**✅ No version changes what gets cached.** Exit status 0."},
		{"does not build", sdkcheck.Evaluation{Requested: "v1.20.0", Version: "v1.20.0", BuildErrors: []string{"x.go:1:2: undefined: y"}}, 2, "**⛔ Not every version could be evaluated.** Exit status 2."},
		{"cache-affecting", sdkcheck.Evaluation{Requested: "v1.37.1", Version: "v1.37.1", Verdicts: &sdkcheck.VerdictDiff{Specs: 1, Changed: []sdkcheck.SpecChange{{Spec: "s", Before: "passed", After: "failed"}}}}, 1, "**❌ Cache-affecting: v1.37.1.** Exit status 1."},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			md, js := filepath.Join(dir, "r", "s.md"), filepath.Join(dir, "r", "s.json")
			var stdout bytes.Buffer
			s := sdkcheck.Summary{Evaluations: []sdkcheck.Evaluation{base, c.e}}
			if code := publish(&stdout, s, md, js); code != c.code || !strings.Contains(stdout.String(), c.headline) {
				t.Errorf("publish = %d, want %d with %q:\n%s", code, c.code, c.headline, stdout.String())
			}
			if b, err := os.ReadFile(md); err != nil || string(b) != stdout.String() {
				t.Errorf("Markdown file: %v", err)
			}
			if b, err := os.ReadFile(js); err != nil || !bytes.HasSuffix(b, []byte("}\n")) {
				t.Errorf("JSON file %q: %v", b, err)
			}
		})
	}
}

func TestPaths(t *testing.T) {
	r := &runner{config: config{root: "/proj"}}
	if got := r.outPath("reports/x.md"); got != "/proj/reports/x.md" {
		t.Errorf("relative: %q", got)
	}
	if got := r.outPath("/abs/x.md"); got != "/abs/x.md" {
		t.Errorf("absolute: %q", got)
	}
	if got := r.outPath(""); got != "" {
		t.Errorf("empty means no file, got %q", got)
	}
	if renderTarget("") != "" {
		t.Error("renderTarget of an empty -out names a file")
	}
}

func TestCleanEnv(t *testing.T) {
	for _, k := range []string{"AWS_BEARER_TOKEN_BEDROCK", "AWS_ENDPOINT_URL", "CACHECASCADE_TARGET", "CACHECASCADE_MODE", "CACHECASCADE_WIRE_LOG"} {
		t.Setenv(k, "leak")
	}
	t.Setenv("GOWORK", "/somewhere/go.work")
	t.Setenv("CACHECASCADE_KEEP_ME", "yes")
	env := cleanEnv()
	for _, kv := range env {
		if strings.HasSuffix(kv, "=leak") || kv == "GOWORK=/somewhere/go.work" {
			t.Errorf("cleanEnv kept %s", kv)
		}
	}
	if env[len(env)-1] != "GOWORK=off" || !slices.Contains(env, "CACHECASCADE_KEEP_ME=yes") {
		t.Errorf("cleanEnv = …%q", env[max(0, len(env)-3):])
	}
}

func TestTail(t *testing.T) {
	if got := tail("a\n\n b\n\nc\nd\n\n", 3); got != " b\nc\nd" {
		t.Errorf("tail = %q", got)
	}
	if got := tail("  \n", 3); got != "" {
		t.Errorf("tail of blank = %q", got)
	}
	if join("", "b") != "b" || join("a", "b") != "a; b" || firstNonEmpty("", "x", "y") != "x" {
		t.Error("join / firstNonEmpty")
	}
}
