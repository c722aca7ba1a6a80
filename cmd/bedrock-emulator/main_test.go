package main

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"
)

// startRun runs the command in the background and returns the exported
// endpoint URL.
func startRun(t *testing.T, args ...string) (string, []string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		err := run(ctx, args, pw, io.Discard)
		pw.Close()
		done <- err
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	})
	sc := bufio.NewScanner(pr)
	var lines []string
	want := 1
	for _, a := range args {
		if a == "-tls" {
			want = 2
		}
	}
	for len(lines) < want && sc.Scan() {
		lines = append(lines, sc.Text())
	}
	go io.Copy(io.Discard, pr)
	if len(lines) == 0 {
		t.Fatalf("no output")
	}
	url, ok := strings.CutPrefix(lines[0], "export AWS_ENDPOINT_URL_BEDROCK_RUNTIME=")
	if !ok {
		t.Fatalf("first line %q", lines[0])
	}
	return url, lines
}

func TestServesOnAFreePort(t *testing.T) {
	url, _ := startRun(t, "-addr", "127.0.0.1:0", "-fault", "no-cascade", "-tokenizer-ratio", "3.5")
	if !strings.HasPrefix(url, "http://127.0.0.1:") || strings.HasSuffix(url, ":0") {
		t.Fatalf("url %q", url)
	}
	c := bedrockruntime.New(bedrockruntime.Options{Region: "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
		BaseEndpoint: aws.String(url), Retryer: aws.NopRetryer{}})
	in := &bedrockruntime.ConverseInput{ModelId: aws.String("us.anthropic.claude-sonnet-4-5-20250929-v1:0"),
		Messages: []types.Message{{Role: types.ConversationRoleUser, Content: []types.ContentBlock{
			&types.ContentBlockMemberText{Value: strings.Repeat("cache me ", 600)},
			&types.ContentBlockMemberCachePoint{Value: types.CachePointBlock{Type: types.CachePointTypeDefault}}}}}}
	out, err := c.Converse(t.Context(), in)
	if err != nil {
		t.Fatal(err)
	}
	if *out.Usage.CacheWriteInputTokens == 0 {
		t.Fatalf("no write")
	}
	resp, err := http.Post(url+"/_emulator/clock/advance?by=6m", "", nil)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("advance: %v %v", err, resp)
	}
	resp.Body.Close()
	out, err = c.Converse(t.Context(), in)
	if err != nil || *out.Usage.CacheReadInputTokens != 0 {
		t.Fatalf("after 6m: %v read %v", err, out)
	}
}

func TestTLSWritesCABundle(t *testing.T) {
	url, lines := startRun(t, "-tls", "-clock", "manual")
	if !strings.HasPrefix(url, "https://") || len(lines) != 2 {
		t.Fatalf("url %q lines %q", url, lines)
	}
	path, ok := strings.CutPrefix(lines[1], "export AWS_CA_BUNDLE=")
	if !ok {
		t.Fatalf("second line %q", lines[1])
	}
	if b, err := os.ReadFile(path); err != nil || !strings.Contains(string(b), "BEGIN CERTIFICATE") {
		t.Fatalf("ca bundle: %v", err)
	}
}

func TestBadFlags(t *testing.T) {
	for _, args := range [][]string{{"-fault", "nope"}, {"-threshold", "sometimes"}, {"-clock", "sundial"}, {"extra"}} {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err := run(ctx, args, io.Discard, io.Discard)
		cancel()
		if err == nil || errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("%v: want an error, got %v", args, err)
		}
	}
	var sb strings.Builder
	if err := run(context.Background(), []string{"-list"}, &sb, io.Discard); err != nil || !strings.Contains(sb.String(), "no-cascade") {
		t.Fatalf("-list: %v %q", err, sb.String())
	}
}
