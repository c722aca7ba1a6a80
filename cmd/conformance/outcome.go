package main

import (
	"encoding/json"
	"fmt"
	"strings"
)

// outcome is what a driver reports for one call: the answer as the client
// exposes it, or why there is none.
type outcome struct {
	// ID names the call (call.ID).
	ID string `json:"id"`
	// OK reports that the client returned the operation's output.
	OK bool `json:"ok"`
	// Status is the HTTP status the client saw (0: unknown).
	Status int `json:"status"`
	// Code and Message are the service error as the client exposes it
	// (the JS error's name, botocore's Error.Code, the CLI's "(Code)").
	Code    string `json:"code"`
	Message string `json:"message"`
	// Transport is set when the client failed without an HTTP answer.
	Transport string `json:"transport"`
	// Unsupported is set when the client has no such operation.
	Unsupported string `json:"unsupported"`
	// Output is the operation's output, normalized by the driver.
	Output json.RawMessage `json:"output"`
	// Missing is set by the orchestrator when the driver gave no line for
	// the call (it crashed or timed out first).
	Missing string `json:"-"`
}

// describe says in a few words what an outcome was, for a failure reason.
func (o outcome) describe() string {
	switch {
	case o.Missing != "":
		return o.Missing
	case o.Unsupported != "":
		return o.Unsupported
	case o.Transport != "":
		return "no HTTP answer: " + o.Transport
	case o.OK:
		return fmt.Sprintf("%d OK", o.Status)
	}
	return fmt.Sprintf("%d %s: %q", o.Status, o.Code, o.Message)
}

// wantOK fails unless the call returned its output.
func wantOK(o outcome) error {
	if o.OK {
		return nil
	}
	return fmt.Errorf("%s: want success, got %s", o.ID, o.describe())
}

// wantError fails unless the call failed with the given HTTP status, error
// code (unless "") and message (unless "").
func wantError(o outcome, status int, code, message string) error {
	if o.OK || o.Status == 0 || o.Missing != "" || o.Transport != "" {
		return fmt.Errorf("%s: want %d %s, got %s", o.ID, status, nonEmpty(code, "error"), o.describe())
	}
	var diffs []string
	if o.Status != status {
		diffs = append(diffs, fmt.Sprintf("status %d, want %d", o.Status, status))
	}
	if code != "" && o.Code != code {
		diffs = append(diffs, fmt.Sprintf("error code %q, want %q", o.Code, code))
	}
	if message != "" && o.Message != message {
		diffs = append(diffs, fmt.Sprintf("message %q, want %q", o.Message, message))
	}
	if len(diffs) > 0 {
		return fmt.Errorf("%s: %s", o.ID, strings.Join(diffs, "; "))
	}
	return nil
}

func nonEmpty(s, otherwise string) string {
	if s == "" {
		return otherwise
	}
	return s
}

// tree decodes an outcome's output for lookups with at.
func (o outcome) tree() any {
	var v any
	if len(o.Output) > 0 {
		_ = json.Unmarshal(o.Output, &v)
	}
	return v
}

// at follows a path of object keys and array indexes (ints) into a
// decoded JSON value; ok is false where the path leads nowhere.
func at(v any, path ...any) (any, bool) {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return nil, false
			}
			if v, ok = m[k]; !ok {
				return nil, false
			}
		case int:
			a, ok := v.([]any)
			if !ok || k < 0 || k >= len(a) {
				return nil, false
			}
			v = a[k]
		default:
			panic(fmt.Sprintf("at: path element %v of type %T", p, p))
		}
	}
	return v, true
}

// pathString renders a path as the field it names, e.g.
// usage.cacheWriteInputTokens.
func pathString(path []any) string {
	var b strings.Builder
	for i, p := range path {
		switch k := p.(type) {
		case int:
			fmt.Fprintf(&b, "[%d]", k)
		default:
			if i > 0 {
				b.WriteByte('.')
			}
			fmt.Fprint(&b, k)
		}
	}
	return b.String()
}

// count reads a whole, non-negative number at path in v.
func count(v any, path ...any) (int, error) {
	x, ok := at(v, path...)
	if !ok {
		return 0, fmt.Errorf("no %s in the output", pathString(path))
	}
	f, ok := x.(float64)
	if !ok || f < 0 || f != float64(int(f)) {
		return 0, fmt.Errorf("%s is %v, not a token count", pathString(path), x)
	}
	return int(f), nil
}

// usage is the cache accounting of one answer, read under the field names
// the client returns.
type usage struct {
	input, output, read, write, total int
	// readField and writeField name the fields, for messages.
	readField, writeField string
}

// converseUsage reads Converse's usage (TokenUsage: inputTokens,
// outputTokens, cacheReadInputTokens, cacheWriteInputTokens, totalTokens)
// at base in v.
func converseUsage(v any, base ...any) (usage, error) {
	u := usage{readField: pathString(join(base, "cacheReadInputTokens")), writeField: pathString(join(base, "cacheWriteInputTokens"))}
	fields := []struct {
		name string
		dst  *int
	}{{"inputTokens", &u.input}, {"outputTokens", &u.output}, {"cacheReadInputTokens", &u.read}, {"cacheWriteInputTokens", &u.write}, {"totalTokens", &u.total}}
	for _, f := range fields {
		n, err := count(v, join(base, f.name)...)
		if err != nil {
			return usage{}, err
		}
		*f.dst = n
	}
	return u, nil
}

// anthropicUsage reads an Anthropic Messages usage object
// (input_tokens, output_tokens, cache_read_input_tokens,
// cache_creation_input_tokens) at base in v; total is their sum.
func anthropicUsage(v any, base ...any) (usage, error) {
	u := usage{readField: pathString(join(base, "cache_read_input_tokens")), writeField: pathString(join(base, "cache_creation_input_tokens"))}
	fields := []struct {
		name string
		dst  *int
	}{{"input_tokens", &u.input}, {"output_tokens", &u.output}, {"cache_read_input_tokens", &u.read}, {"cache_creation_input_tokens", &u.write}}
	for _, f := range fields {
		n, err := count(v, join(base, f.name)...)
		if err != nil {
			return usage{}, err
		}
		*f.dst = n
	}
	u.total = u.input + u.output + u.read + u.write
	return u, nil
}

// join returns a new path: base followed by k.
func join(base []any, k any) []any {
	return append(append(make([]any, 0, len(base)+1), base...), k)
}
