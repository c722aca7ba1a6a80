package forecast

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
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
	// valid is set when Body is known to be valid JSON (ReadLog checked
	// it), so that Check need not check it again.
	valid bool
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
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return ParseLog(data, name)
}

// ParseLog is ReadLog on a log already in memory. The requests' bodies are
// slices of data, which must not change afterwards.
func ParseLog(data []byte, name string) ([]Request, error) {
	var out []Request
	for n := 1; len(data) > 0; n++ {
		line := data
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			line, data = data[:i], data[i+1:]
		} else {
			data = nil
		}
		if len(line) > maxLine {
			return nil, fmt.Errorf("%s:%d: line longer than %d bytes", name, n, maxLine)
		}
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		req, err := parseLine(line)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, n, err)
		}
		req.Source = name + ":" + strconv.Itoa(n)
		out = append(out, req)
	}
	return out, nil
}

// parseLine decodes one non-blank line. The line is validated once; the
// body is then cut out of it, not decoded.
func parseLine(line []byte) (Request, error) {
	const want = "(want {\"modelId\", \"operation\", \"body\", \"time\"?, \"account\"?})"
	var req Request
	if !json.Valid(line) {
		var v any
		err := json.Unmarshal(line, &v)
		return req, fmt.Errorf("not a request object: %v %s", err, want)
	}
	var modelID, op, body, at, account []byte
	err := eachField(line, func(k string, v []byte) error {
		switch k {
		case "modelId":
			modelID = v
		case "operation":
			op = v
		case "body":
			body = v
		case "time":
			at = v
		case "account":
			account = v
		default:
			return fmt.Errorf("not a request object: unknown field %q %s", k, want)
		}
		return nil
	})
	if err != nil {
		if err == errShape || strings.HasPrefix(err.Error(), "want") {
			return req, fmt.Errorf("not a request object: %v %s", err, want)
		}
		return req, err
	}
	str := func(name string, raw []byte) (string, error) {
		var s string
		if isNull(raw) {
			return "", nil
		}
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", fmt.Errorf("%s must be a string", name)
		}
		return s, nil
	}
	if req.ModelID, err = str("modelId", modelID); err != nil {
		return req, err
	}
	var opName, when string
	if opName, err = str("operation", op); err != nil {
		return req, err
	}
	if when, err = str("time", at); err != nil {
		return req, err
	}
	if req.Account, err = str("account", account); err != nil {
		return req, err
	}
	switch {
	case strings.TrimSpace(req.ModelID) == "":
		return req, fmt.Errorf("modelId is missing")
	case opName == "":
		return req, fmt.Errorf("operation is missing (one of %s)", opList())
	case !Operation(opName).valid():
		return req, fmt.Errorf("operation %q is not one of %s", opName, opList())
	}
	req.Operation = Operation(opName)
	if req.Body, err = logBody(body); err != nil {
		return req, err
	}
	req.valid = true
	if when != "" {
		t, err := time.Parse(time.RFC3339Nano, when)
		if err != nil {
			return req, fmt.Errorf("time %q is not RFC 3339 (such as 2026-11-25T10:00:00Z)", when)
		}
		req.Time = t
	}
	return req, nil
}

// logBody returns a logged body: a JSON object as it is, or the JSON
// document a string holds.
func logBody(body []byte) ([]byte, error) {
	body = bytes.TrimSpace(body)
	switch {
	case isNull(body):
		return nil, fmt.Errorf("body is missing")
	case body[0] == '"':
		var s string
		if err := json.Unmarshal(body, &s); err != nil {
			return nil, fmt.Errorf("body: %w", err)
		}
		if !json.Valid([]byte(s)) {
			return nil, fmt.Errorf("body is a string that does not hold a JSON document")
		}
		return []byte(s), nil
	case body[0] != '{':
		return nil, fmt.Errorf("body must be the request's JSON object (or a string holding it)")
	}
	return body, nil
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
