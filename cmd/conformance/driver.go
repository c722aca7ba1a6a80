package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// client is one foreign client and how to run its driver.
type client struct {
	// Name is the table's column header.
	Name string
	// Argv is the driver's command line; the plan file's path is appended.
	Argv []string
	// Version is the client's version, or why it is absent (Skip).
	Version string
	// Skip, when set, is why the client is not run.
	Skip string
	// ExtraEnv adds variables to every group's environment.
	ExtraEnv func(tls target) []string
}

// detectClients finds the three foreign clients, their versions, and why
// any is absent. dir is the drivers' directory (conformance/).
func detectClients(ctx context.Context, dir string) []client {
	js := client{Name: "js-sdk-v3", Argv: []string{"node", "--no-warnings", filepath.Join(dir, "driver.mjs")}, ExtraEnv: func(t target) []string {
		// The JS SDK v3 ignores AWS_CA_BUNDLE; Node's own variable is how
		// an application trusts a private CA.
		if t.CABundle == "" {
			return nil
		}
		return []string{"NODE_EXTRA_CA_CERTS=" + t.CABundle}
	}}
	if v, err := output(ctx, "node", "--version"); err != nil {
		js.Skip = "node is not installed"
	} else if b, err := os.ReadFile(filepath.Join(dir, "node_modules", "@aws-sdk", "client-bedrock-runtime", "package.json")); err != nil {
		js.Skip = "@aws-sdk/client-bedrock-runtime is not installed (run: npm ci --prefix conformance)"
	} else {
		var pkg struct{ Version string }
		_ = json.Unmarshal(b, &pkg)
		js.Version = fmt.Sprintf("@aws-sdk/client-bedrock-runtime %s, node %s", pkg.Version, v)
	}

	py := filepath.Join(dir, "driver.py")
	boto := client{Name: "boto3", Argv: []string{"python3", py, "boto3"}}
	if v, err := output(ctx, "python3", "-c", "import boto3, botocore; print('boto3', boto3.__version__, 'botocore', botocore.__version__)"); err != nil {
		boto.Skip = "python3 with boto3 is not installed"
	} else {
		boto.Version = v
	}

	cli := client{Name: "aws-cli", Argv: []string{"python3", py, "cli"}}
	// The CLI driver runs the CLI's entry point in-process where python3
	// can import it, else the aws command (see driver.py).
	if v, err := output(ctx, "python3", "-c", "import awscli, botocore; print('aws-cli', awscli.__version__, 'botocore', botocore.__version__)"); err == nil {
		cli.Version = v + " (awscli.clidriver run in-process by driver.py)"
	} else if _, err := output(ctx, "python3", "--version"); err != nil {
		cli.Skip = "python3 (which runs the CLI driver) is not installed"
	} else if v, err := output(ctx, "aws", "--version"); err != nil {
		cli.Skip = "the aws command is not installed"
	} else {
		cli.Version = v + " (the aws command, one process per call)"
	}
	return []client{js, boto, cli}
}

// output runs a command and returns its trimmed standard output (or
// standard error, where old tools print their version).
func output(ctx context.Context, name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", err
	}
	if s := strings.TrimSpace(stdout.String()); s != "" {
		return s, nil
	}
	return strings.TrimSpace(stderr.String()), nil
}

// target is an emulator a group talks to.
type target struct {
	// URL is the runtime endpoint.
	URL string
	// CABundle is the certificate file of a TLS emulator ("" for HTTP).
	CABundle string
}

// baseEnv is a driver process's environment: the orchestrator's own
// without any AWS_ or NODE_EXTRA_CA_CERTS setting (a developer's profile,
// keys or CA bundle must not leak in), plus extra.
func baseEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "AWS_") || strings.HasPrefix(kv, "NODE_EXTRA_CA_CERTS=") {
			continue
		}
		env = append(env, kv)
	}
	return append(env, extra...)
}

// isBearer reports whether g authenticates with a Bedrock API key (and so
// talks to the TLS emulator).
func isBearer(g group) bool {
	return g == groupBearerA || g == groupBearerB || g == groupBearerMalformed || g == groupBearerForged
}

// groupVars are the AWS_ variables of group g: endpoint, region, CA bundle
// and credentials or API key. The driver sets exactly these (unsetting
// every other AWS_ variable) before it builds the group's client, which
// reads them as an application's client would.
func groupVars(g group, c credentials, plain, tls target) map[string]string {
	t := plain
	if isBearer(g) {
		t = tls
	}
	reg := region
	if g == groupWrongRegion {
		reg = wrongRegion
	}
	v := map[string]string{
		"AWS_ENDPOINT_URL_BEDROCK_RUNTIME": t.URL,
		"AWS_REGION":                       reg,
		"AWS_DEFAULT_REGION":               reg,
		"AWS_EC2_METADATA_DISABLED":        "true",
		"AWS_MAX_ATTEMPTS":                 "1",
		"AWS_CONFIG_FILE":                  os.DevNull,
		"AWS_SHARED_CREDENTIALS_FILE":      os.DevNull,
	}
	if t.CABundle != "" {
		v["AWS_CA_BUNDLE"] = t.CABundle
	}
	switch g {
	case groupSigV4, groupWrongRegion:
		v["AWS_ACCESS_KEY_ID"], v["AWS_SECRET_ACCESS_KEY"] = c.AccessKeyID, c.Secret
	case groupWrongSecret:
		v["AWS_ACCESS_KEY_ID"], v["AWS_SECRET_ACCESS_KEY"] = c.AccessKeyID, c.Secret+"0"
	case groupBearerA:
		v["AWS_BEARER_TOKEN_BEDROCK"] = c.ShortTermKey
	case groupBearerB:
		v["AWS_BEARER_TOKEN_BEDROCK"] = c.LongTermKey
	case groupBearerMalformed:
		v["AWS_BEARER_TOKEN_BEDROCK"] = "not-a-bedrock-api-key"
	case groupBearerForged:
		v["AWS_BEARER_TOKEN_BEDROCK"] = c.ForgedKey
	}
	return v
}

// planGroup is one group of a driver's plan: the variables to set, then
// the calls to make with a client built after setting them.
type planGroup struct {
	Name  group             `json:"name"`
	Env   map[string]string `json:"env"`
	Calls []call            `json:"calls"`
}

// runDriver runs one driver process over the plan's groups and returns an
// outcome per call, in plan order. A call the driver gave no line for (it
// crashed, or was killed after timeout) gets an outcome whose Missing says
// why; timedOut reports the timeout.
func runDriver(ctx context.Context, argv, env []string, dir string, plan []planGroup, timeout time.Duration) (outs []outcome, timedOut bool, err error) {
	f, err := os.CreateTemp("", "conformance-plan-*.json")
	if err != nil {
		return nil, false, err
	}
	defer os.Remove(f.Name())
	if err := json.NewEncoder(f).Encode(map[string]any{"groups": plan}); err != nil {
		f.Close()
		return nil, false, err
	}
	if err := f.Close(); err != nil {
		return nil, false, err
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	args := append(argv[:len(argv):len(argv)], f.Name())
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	cmd.Dir, cmd.Env = dir, env
	// The driver's children (the CLI driver's aws processes) die with it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 2 * time.Second
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, false, err
	}
	if err := cmd.Start(); err != nil {
		return nil, false, fmt.Errorf("%s: %w", strings.Join(argv, " "), err)
	}
	got, junk := readOutcomes(stdout)
	waitErr := cmd.Wait()
	timedOut = errors.Is(ctx.Err(), context.DeadlineExceeded)
	why := "driver gave no answer"
	switch {
	case timedOut:
		why = fmt.Sprintf("driver timed out after %s and was killed", timeout)
	case waitErr != nil:
		why = fmt.Sprintf("driver failed (%v)", waitErr)
	}
	if tail := lastLines(stderr.String(), 3); tail != "" {
		why += ": " + tail
	} else if len(junk) > 0 {
		why += ": " + lastLines(strings.Join(junk, "\n"), 3)
	}
	for _, g := range plan {
		for _, c := range g.Calls {
			o, ok := got[c.ID]
			if !ok {
				o = outcome{ID: c.ID, Missing: why}
			}
			outs = append(outs, o)
		}
	}
	return outs, timedOut, nil
}

// readOutcomes reads a driver's JSON lines until EOF: the outcomes by call
// ID, and the lines that are not outcomes.
func readOutcomes(r io.Reader) (map[string]outcome, []string) {
	got := map[string]outcome{}
	var junk []string
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 64<<20)
	for sc.Scan() {
		var o outcome
		if err := json.Unmarshal(sc.Bytes(), &o); err != nil || o.ID == "" {
			junk = append(junk, sc.Text())
			continue
		}
		got[o.ID] = o
	}
	return got, junk
}

// lastLines returns the last n non-empty lines of s, joined by " | ", each
// cut to 300 bytes.
func lastLines(s string, n int) string {
	var lines []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			if len(l) > 300 {
				l = l[:300] + "…"
			}
			lines = append(lines, l)
		}
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}
