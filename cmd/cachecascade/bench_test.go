package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cachecascade/cachecascade/fixtures"
	"github.com/cachecascade/cachecascade/forecast"
	"github.com/cachecascade/cachecascade/matrix"
)

// benchLog writes a log of n Converse requests: agent sessions of 20 turns
// each, ten at a time interleaved, sharing a 1,500-token system prompt and
// three tools, each turn adding an assistant reply and a user message of
// about 150 tokens, with a checkpoint after the system prompt and one at
// the end of the conversation; a session starts every 10 s of log time.
// It returns the file and its size.
func benchLog(tb testing.TB, n int) (string, int) {
	const turns, concurrent = 20, 10
	system := fixtures.Text("bench-system", 1500, forecast.EstimateFor(matrix.Claude).Estimate)
	var pool []string
	for i := range 64 {
		pool = append(pool, fixtures.TextChars(fmt.Sprintf("bench-%d", i), 650))
	}
	tools := `{"tools":[` + strings.Repeat(`{"toolSpec":{"name":"lookup","description":"Look up a record by its key and return its fields.","inputSchema":{"json":{"properties":{"key":{"type":"string"}},"required":["key"],"type":"object"}}}},`, 2) +
		`{"toolSpec":{"name":"update","description":"Update a record.","inputSchema":{"json":{"properties":{"fields":{"type":"object"},"key":{"type":"string"}},"required":["key"],"type":"object"}}}}]}`
	var reqs []forecast.Request
	for group := 0; len(reqs) < n; group++ {
		for turn := 0; turn < turns && len(reqs) < n; turn++ {
			for s := 0; s < concurrent && len(reqs) < n; s++ {
				session := group*concurrent + s
				var msgs []string
				for k := 0; k <= turn; k++ {
					user := fmt.Sprintf("[session %d] %s", session, pool[(session*7+k)%len(pool)])
					content := fmt.Sprintf(`{"text":%q}`, user)
					if k == turn {
						content += `,{"cachePoint":{"type":"default"}}`
					}
					msgs = append(msgs, `{"role":"user","content":[`+content+`]}`)
					if k < turn {
						msgs = append(msgs, fmt.Sprintf(`{"role":"assistant","content":[{"text":%q}]}`, pool[(session+k*3)%len(pool)][:300]))
					}
				}
				body := fmt.Sprintf(`{"toolConfig":%s,"system":[{"text":%q},{"cachePoint":{"type":"default"}}],"messages":[%s],"inferenceConfig":{"maxTokens":512}}`,
					tools, system, strings.Join(msgs, ","))
				at := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC).Add(time.Duration(group)*10*time.Second + time.Duration(turn)*20*time.Second + time.Duration(s)*time.Millisecond)
				reqs = append(reqs, forecast.Request{ModelID: "global.anthropic.claude-sonnet-4-6", Operation: forecast.Converse, Body: []byte(body), Time: at})
			}
		}
	}
	var buf bytes.Buffer
	if err := forecast.WriteLog(&buf, reqs); err != nil {
		tb.Fatal(err)
	}
	path := filepath.Join(tb.TempDir(), "bench.jsonl")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		tb.Fatal(err)
	}
	return path, buf.Len()
}

// BenchmarkCheck10k runs `cachecascade check` (reading, predicting and the
// Markdown report) on a 10,000-request log. The target is under 5 s.
func BenchmarkCheck10k(b *testing.B) {
	path, size := benchLog(b, 10000)
	b.SetBytes(int64(size))
	b.ReportAllocs()
	for b.Loop() {
		if code := run([]string{"check", path}, nil, io.Discard, io.Discard); code == exitUsage {
			b.Fatalf("exit %d", code)
		}
	}
}
