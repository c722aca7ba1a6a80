package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// BenchmarkPeakRSS starts the real binary and sends it 50 concurrent
// Converse requests of 19 MB each (one body, built and signed up front, so
// that all of them arrive at once), then reports the process's peak
// resident set (VmHWM of /proc/PID/status) as peak-RSS-MiB. Run it with
//
//	go test -run '^$' -bench PeakRSS -benchtime 1x ./cmd/bedrock-emulator/
//
// BEDROCK_EMULATOR_BIN names a binary to measure instead of building this
// one (an older build, say) and BEDROCK_EMULATOR_ARGS adds flags, such as
// -max-inflight-body-bytes=-1.
func BenchmarkPeakRSS(b *testing.B) {
	if _, err := os.Stat("/proc/self/status"); err != nil {
		b.Skip("needs /proc")
	}
	bin := os.Getenv("BEDROCK_EMULATOR_BIN")
	if bin == "" {
		bin = filepath.Join(b.TempDir(), "bedrock-emulator")
		if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
			b.Fatalf("go build: %v\n%s", err, out)
		}
	}
	const clients = 50
	body, err := json.Marshal(map[string]any{"messages": []any{map[string]any{"role": "user",
		"content": []any{map[string]string{"text": strings.Repeat("cache me ", 19_000_000/9)}}}}})
	if err != nil {
		b.Fatal(err)
	}
	for range b.N {
		peak, codes := peakRSS(b, bin, strings.Fields(os.Getenv("BEDROCK_EMULATOR_ARGS")), clients, body)
		b.ReportMetric(float64(peak)/1024, "peak-RSS-MiB")
		b.Logf("%d concurrent %d-byte Converse bodies: peak RSS %d MiB; answers %v", clients, len(body), peak/1024, codes)
	}
}

// peakRSS runs bin with args, sends n concurrent Converse requests
// carrying body, signed with SigV4, and returns VmHWM in KiB and the count
// of each answer's status and error type.
func peakRSS(b *testing.B, bin string, args []string, n int, body []byte) (int64, map[string]int) {
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, append([]string{"-addr", "127.0.0.1:0", "-clock", "manual"}, args...)...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() {
		cancel() // kills the emulator
		_ = cmd.Wait()
	}()
	sc := bufio.NewScanner(stdout)
	if !sc.Scan() {
		b.Fatalf("no output from %s", bin)
	}
	url, ok := strings.CutPrefix(sc.Text(), "export AWS_ENDPOINT_URL_BEDROCK_RUNTIME=")
	if !ok {
		b.Fatalf("first line %q", sc.Text())
	}
	sum := sha256.Sum256(body)
	hash := hex.EncodeToString(sum[:])
	creds := aws.Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "secret"}
	signer := v4.NewSigner()
	client := &http.Client{Transport: &http.Transport{MaxConnsPerHost: n}}
	var mu sync.Mutex
	codes := map[string]int{}
	start := make(chan struct{})
	var wg sync.WaitGroup
	for range n {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, url+"/model/us.anthropic.claude-sonnet-4-5-20250929-v1%3A0/converse", bytes.NewReader(body))
		if err != nil {
			b.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Amz-Content-Sha256", hash)
		if err := signer.SignHTTP(ctx, creds, req, hash, "bedrock", "us-east-1", time.Now()); err != nil {
			b.Fatal(err)
		}
		wg.Go(func() {
			<-start
			code := "error"
			if resp, err := client.Do(req); err == nil {
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				code = resp.Status + " " + resp.Header.Get("X-Amzn-ErrorType")
			} else {
				code = err.Error()
			}
			mu.Lock()
			codes[code]++
			mu.Unlock()
		})
	}
	close(start)
	wg.Wait()
	peak, err := vmHWM(cmd.Process.Pid)
	if err != nil {
		b.Fatal(err)
	}
	return peak, codes
}

// vmHWM returns a process's peak resident set in KiB.
func vmHWM(pid int) (int64, error) {
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for line := range strings.SplitSeq(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			return strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		}
	}
	return 0, errors.New("no VmHWM in /proc status")
}
