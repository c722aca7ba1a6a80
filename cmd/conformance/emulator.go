package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// emulatorProc is a running bedrock-emulator process.
type emulatorProc struct {
	cmd    *exec.Cmd
	target target
	stderr *bytes.Buffer
	done   chan struct{}
}

// emulatorFlags reports which of the flags the conformance run wants the
// emulator binary has (-credentials and -region arrive with its
// authentication work).
func emulatorFlags(ctx context.Context, bin string) (credentials, region bool) {
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, bin, "-h")
	cmd.Stdout, cmd.Stderr = &out, &out
	_ = cmd.Run() // -h exits 2
	s := out.String()
	return strings.Contains(s, "-credentials"), strings.Contains(s, "-region")
}

// startEmulator starts bin with args and waits (up to 20 s) for its export
// lines: AWS_ENDPOINT_URL_BEDROCK_RUNTIME and, with -tls, AWS_CA_BUNDLE.
func startEmulator(bin string, args []string, tls bool) (*emulatorProc, error) {
	cmd := exec.Command(bin, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	p := &emulatorProc{cmd: cmd, stderr: &bytes.Buffer{}, done: make(chan struct{})}
	cmd.Stderr = p.stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", bin, err)
	}
	go func() { _ = cmd.Wait(); close(p.done) }()

	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
		_, _ = io.Copy(io.Discard, stdout)
	}()
	timeout := time.After(20 * time.Second)
	for p.target.URL == "" || (tls && p.target.CABundle == "") {
		select {
		case l, ok := <-lines:
			if !ok {
				<-p.done
				return nil, fmt.Errorf("%s %s exited before printing its endpoint: %s", bin, strings.Join(args, " "), lastLines(p.stderr.String(), 3))
			}
			if k, v, ok := parseExport(l); ok {
				switch k {
				case "AWS_ENDPOINT_URL_BEDROCK_RUNTIME":
					p.target.URL = v
				case "AWS_CA_BUNDLE":
					p.target.CABundle = v
				}
			}
		case <-timeout:
			p.stop()
			return nil, fmt.Errorf("%s %s printed no endpoint within 20 s", bin, strings.Join(args, " "))
		}
	}
	go func() {
		for range lines {
		}
	}()
	return p, nil
}

// parseExport parses a shell line `export NAME=VALUE`, VALUE possibly
// single- or double-quoted.
func parseExport(line string) (name, value string, ok bool) {
	rest, ok := strings.CutPrefix(strings.TrimSpace(line), "export ")
	if !ok {
		return "", "", false
	}
	name, value, ok = strings.Cut(strings.TrimSpace(rest), "=")
	if !ok || name == "" {
		return "", "", false
	}
	if len(value) >= 2 && (value[0] == '\'' || value[0] == '"') && value[len(value)-1] == value[0] {
		value = value[1 : len(value)-1]
	}
	return name, value, true
}

// stop ends the emulator (SIGTERM, then SIGKILL after 5 s).
func (p *emulatorProc) stop() {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		<-p.done
	}
}
