package main

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
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
	want := 2
	for _, a := range args {
		if a == "-tls" {
			want = 3
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
	if len(lines) < 2 || lines[1] != "export AWS_ENDPOINT_URL_BEDROCK="+url {
		t.Fatalf("second line %q, want the control plane at the same URL", lines[1:])
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
	if !strings.HasPrefix(url, "https://") || len(lines) != 3 {
		t.Fatalf("url %q lines %q", url, lines)
	}
	path, ok := strings.CutPrefix(lines[2], "export AWS_CA_BUNDLE=")
	if !ok {
		t.Fatalf("third line %q", lines[2])
	}
	if b, err := os.ReadFile(path); err != nil || !strings.Contains(string(b), "BEGIN CERTIFICATE") {
		t.Fatalf("ca bundle: %v", err)
	}
}

func TestBadFlags(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(bad, []byte(`{"models": [{"id": "x", "family": "gpt"}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"-fault", "nope"}, {"-threshold", "sometimes"}, {"-clock", "sundial"}, {"extra"},
		{"-models", filepath.Join(t.TempDir(), "missing.json")}, {"-models", bad}} {
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

// TestModelsFlag serves a model that only a -models file declares.
func TestModelsFlag(t *testing.T) {
	path := filepath.Join(t.TempDir(), "models.json")
	doc := `{"models": [{"id": "anthropic.claude-hidden-1", "family": "claude", "caching": true, "minTokens": 1536,
		"toolCheckpoints": true, "ttl1h": true, "profiles": ["us", "global"], "profileOnly": true}]}`
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	url, _ := startRun(t, "-models", path)
	c := bedrockruntime.New(bedrockruntime.Options{Region: "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
		BaseEndpoint: aws.String(url), Retryer: aws.NopRetryer{}})
	in := &bedrockruntime.ConverseInput{ModelId: aws.String("us.anthropic.claude-hidden-1"),
		Messages: []types.Message{{Role: types.ConversationRoleUser, Content: []types.ContentBlock{
			&types.ContentBlockMemberText{Value: strings.Repeat("cache me ", 800)},
			&types.ContentBlockMemberCachePoint{Value: types.CachePointBlock{Type: types.CachePointTypeDefault}}}}}}
	out, err := c.Converse(t.Context(), in)
	if err != nil {
		t.Fatal(err)
	}
	if *out.Usage.CacheWriteInputTokens == 0 {
		t.Fatalf("no write on the file's model")
	}
}
