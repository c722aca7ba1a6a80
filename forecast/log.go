package forecast

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
)

// Operation is the Bedrock runtime operation a logged request went
// through, spelt as the service's URL path spells it.
type Operation string

// The operations a log may name. The streaming twins take the same body as
// their non-streaming operation and cache the same way.
const (
	Converse                 Operation = "converse"
	ConverseStream           Operation = "converse-stream"
	Invoke                   Operation = "invoke"
	InvokeWithResponseStream Operation = "invoke-with-response-stream"
)

// Operations lists the operations a log may name.
var Operations = []Operation{Converse, ConverseStream, Invoke, InvokeWithResponseStream}

// IsInvoke reports whether the operation takes the model's native body
// (InvokeModel and its stream) rather than Converse's.
func (o Operation) IsInvoke() bool { return o == Invoke || o == InvokeWithResponseStream }

// valid reports whether o is one of Operations.
func (o Operation) valid() bool {
	for _, k := range Operations {
		if o == k {
			return true
		}
	}
	return false
}

// Request is one logged request.
type Request struct {
	// Source says where the request was read, as "file:line" (a cassette
	// interaction is "file#index").
	Source string `json:"source"`
	// ModelID is the model or inference-profile ID (or ARN) the request
	// named.
	ModelID string `json:"modelId"`
	// Operation is the operation it went through.
	Operation Operation `json:"operation"`
	// Body is the request body exactly as sent.
	Body json.RawMessage `json:"body"`
	// Time is when it was sent; zero when the log does not say.
	Time time.Time `json:"time,omitzero"`
	// Account labels the account that sent it; requests of different
	// accounts never share cache entries. Empty is one account.
	Account string `json:"account,omitempty"`
	// Sequence names the log the request belongs to: requests of
	// different sequences never share cache entries (the command gives
	// each file its own). Empty is one sequence.
	Sequence string `json:"-"`
}

// logLine is one line of a JSON Lines request log as written.
type logLine struct {
	ModelID   *string         `json:"modelId"`
	Operation *string         `json:"operation"`
	Body      json.RawMessage `json:"body"`
	Time      *string         `json:"time"`
	Account   *string         `json:"account"`
}

// maxLine caps one line of a log (a request body Bedrock accepts is at most
// a few megabytes; the emulator takes 20 MiB).
const maxLine = 32 << 20

// ReadLog reads a JSON Lines request log: one JSON object a line,
// {"modelId": "...", "operation": "converse" | "converse-stream" | "invoke"
// | "invoke-with-response-stream", "body": <the body exactly as sent>,
// "time": "<RFC 3339>" (optional), "account": "<label>" (optional)}. Blank
// lines are skipped. name is the file's name, used in each Request's Source
// and in errors, which name the line: "log.jsonl:3: operation "conv" is not
// one of ...". The body may be given as a JSON object (kept byte for byte)
// or as a JSON string holding the body (decoded), for logs that cannot
// embed it.
func ReadLog(r io.Reader, name string) ([]Request, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxLine)
	var out []Request
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		req, err := parseLine(line)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, n, err)
		}
		req.Source = fmt.Sprintf("%s:%d", name, n)
		out = append(out, req)
	}
	if err := sc.Err(); err != nil {
		if err == bufio.ErrTooLong {
			return nil, fmt.Errorf("%s:%d: line longer than %d bytes", name, len(out)+1, maxLine)
		}
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return out, nil
}

// parseLine decodes one non-blank line.
func parseLine(line []byte) (Request, error) {
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	var l logLine
	if err := dec.Decode(&l); err != nil {
		return Request{}, fmt.Errorf("not a request object: %w (want {\"modelId\", \"operation\", \"body\", \"time\"?, \"account\"?})", err)
	}
	if dec.More() {
		return Request{}, fmt.Errorf("more than one JSON value on the line")
	}
	var req Request
	switch {
	case l.ModelID == nil || strings.TrimSpace(*l.ModelID) == "":
		return req, fmt.Errorf("modelId is missing")
	case l.Operation == nil:
		return req, fmt.Errorf("operation is missing (one of %s)", opList())
	case !Operation(*l.Operation).valid():
		return req, fmt.Errorf("operation %q is not one of %s", *l.Operation, opList())
	}
	req.ModelID, req.Operation = *l.ModelID, Operation(*l.Operation)
	body := bytes.TrimSpace(l.Body)
	switch {
	case len(body) == 0 || string(body) == "null":
		return req, fmt.Errorf("body is missing")
	case body[0] == '"':
		var s string
		if err := json.Unmarshal(body, &s); err != nil {
			return req, fmt.Errorf("body: %w", err)
		}
		if !json.Valid([]byte(s)) {
			return req, fmt.Errorf("body is a string that does not hold a JSON document")
		}
		body = []byte(s)
	case body[0] != '{':
		return req, fmt.Errorf("body must be the request's JSON object (or a string holding it)")
	}
	req.Body = body
	if l.Time != nil && *l.Time != "" {
		t, err := time.Parse(time.RFC3339Nano, *l.Time)
		if err != nil {
			return req, fmt.Errorf("time %q is not RFC 3339 (such as 2026-11-25T10:00:00Z)", *l.Time)
		}
		req.Time = t
	}
	if l.Account != nil {
		req.Account = *l.Account
	}
	return req, nil
}

// opList lists the operations for an error message.
func opList() string {
	s := make([]string, len(Operations))
	for i, o := range Operations {
		s[i] = string(o)
	}
	return strings.Join(s, ", ")
}

// WriteLog writes requests as a JSON Lines log that ReadLog reads back
// (Source is not written).
func WriteLog(w io.Writer, reqs []Request) error {
	bw := bufio.NewWriter(w)
	for _, r := range reqs {
		l := struct {
			ModelID   string          `json:"modelId"`
			Operation Operation       `json:"operation"`
			Body      json.RawMessage `json:"body"`
			Time      string          `json:"time,omitempty"`
			Account   string          `json:"account,omitempty"`
		}{r.ModelID, r.Operation, r.Body, "", r.Account}
		if !r.Time.IsZero() {
			l.Time = r.Time.Format(time.RFC3339Nano)
		}
		b, err := marshalNoEscape(l)
		if err != nil {
			return err
		}
		bw.Write(b)
		bw.WriteByte('\n')
	}
	return bw.Flush()
}

// marshalNoEscape is json.Marshal without HTML escaping, and with a body
// kept exactly: encoding/json compacts a RawMessage, which keeps its key
// order and escapes.
func marshalNoEscape(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
