package capture

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// operations maps the SDK's operation names to the log's, for the
// operations the log can name (forecast.Operations).
var operations = map[string]string{
	"Converse":                      "converse",
	"ConverseStream":                "converse-stream",
	"InvokeModel":                   "invoke",
	"InvokeModelWithResponseStream": "invoke-with-response-stream",
}

// ErrNotJSON is wrapped by the error reported for a request whose body is
// not a UTF-8 JSON object (InvokeModel sends any bytes): the request is
// sent, not logged.
var ErrNotJSON = errors.New("body is not a UTF-8 JSON object")

// timeFormat is RFC 3339 in UTC with milliseconds, which orders the
// requests of one second.
const timeFormat = "2006-01-02T15:04:05.000Z07:00"

// finalize is the Logger's middleware.
type finalize struct{ l *Logger }

// ID names the middleware in the stack; each Logger has its own.
func (m *finalize) ID() string { return m.l.id }

// HandleFinalize logs the request, if it is one the log can name, and
// sends it on with its body unchanged and unread.
func (m *finalize) HandleFinalize(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (
	middleware.FinalizeOutput, middleware.Metadata, error,
) {
	name := middleware.GetOperationName(ctx)
	op, ok := operations[name]
	if !ok {
		return next.HandleFinalize(ctx, in)
	}
	req, ok := in.Request.(*smithyhttp.Request)
	if !ok {
		m.l.report(fmt.Errorf("capture: %s: unexpected transport request %T; sent, not logged", name, in.Request))
		return next.HandleFinalize(ctx, in)
	}
	body, sent, err := readBody(req)
	in.Request = sent
	if err == nil {
		err = m.l.log(name, op, req.URL, body)
	}
	if err != nil {
		m.l.report(err)
	}
	return next.HandleFinalize(ctx, in)
}

// readBody reads a request's body and returns it with the request to send:
// the same request with its stream rewound, or, when the stream cannot
// seek, a copy whose stream holds the bytes read.
func readBody(req *smithyhttp.Request) ([]byte, *smithyhttp.Request, error) {
	stream := req.GetStream()
	if stream == nil {
		return nil, req, nil
	}
	b, rerr := io.ReadAll(stream)
	if rerr == nil && req.IsStreamSeekable() && req.RewindStream() == nil {
		return b, req, nil
	}
	rest := io.Reader(bytes.NewReader(b))
	if rerr != nil {
		rest = io.MultiReader(rest, stream) // the stream's own error is the SDK's to meet
	}
	sent, err := req.SetStream(rest)
	if err != nil {
		// SetStream fails only on a seekable stream; rest never is.
		return nil, req, fmt.Errorf("capture: restoring the body: %w", err)
	}
	if rerr != nil {
		return nil, sent, fmt.Errorf("capture: reading the body: %w", rerr)
	}
	return b, sent, nil
}

// log writes the line for one request.
func (l *Logger) log(name, op string, u *url.URL, body []byte) error {
	id, err := modelID(u)
	if err != nil {
		return fmt.Errorf("capture: %s: %w; sent, not logged", name, err)
	}
	line, err := Line(id, op, body, l.now(), l.cfg.Account)
	if err != nil {
		return fmt.Errorf("capture: %s %s: sent, not logged: %w", name, redactAccounts([]byte(id)), err)
	}
	return l.write(line)
}

// modelID returns the model ID of a runtime request's path,
// /model/{modelId}/{operation} (after any base path), unescaped.
func modelID(u *url.URL) (string, error) {
	seg := strings.Split(u.EscapedPath(), "/")
	n := len(seg)
	if n < 3 || seg[n-3] != "model" || seg[n-2] == "" {
		return "", fmt.Errorf("path %q names no model", u.EscapedPath())
	}
	id, err := url.PathUnescape(seg[n-2])
	if err != nil {
		return "", fmt.Errorf("path %q: %w", u.EscapedPath(), err)
	}
	return id, nil
}

// Line returns one log line, newline included, for a request: the model
// ID, the log's operation name ("converse", "converse-stream", "invoke",
// "invoke-with-response-stream"), the body as sent, when it was sent and
// the account label ("" leaves it out). Account IDs in ARNs are redacted in
// the model ID and the body. A body that is not a UTF-8 JSON object is an
// error wrapping ErrNotJSON. The middleware writes these lines; Line is
// exported for programs that send requests some other way.
func Line(modelID, op string, body []byte, at time.Time, account string) ([]byte, error) {
	if !utf8.Valid(body) || !json.Valid(body) {
		return nil, ErrNotJSON
	}
	if t := bytes.TrimLeft(body, " \t\r\n"); len(t) == 0 || t[0] != '{' {
		return nil, ErrNotJSON
	}
	body = redactAccounts(body)
	out := make([]byte, 0, len(body)+len(modelID)+128)
	out = append(out, `{"modelId":`...)
	out = appendString(out, redactAccounts([]byte(modelID)))
	out = append(out, `,"operation":`...)
	out = appendString(out, []byte(op))
	out = append(out, `,"body":`...)
	if oneLine(body) {
		out = append(out, body...)
	} else {
		out = appendString(out, body)
	}
	out = append(out, `,"time":"`...)
	out = at.UTC().AppendFormat(out, timeFormat)
	out = append(out, '"')
	if account != "" {
		out = append(out, `,"account":`...)
		out = appendString(out, []byte(account))
	}
	return append(out, "}\n"...), nil
}

// oneLine reports whether a JSON body can be embedded in a line as it is
// and read back with the same bytes: it holds no line break (outside
// strings, where JSON escapes them, one would end the line) and has no
// space around it (which the reader trims).
func oneLine(body []byte) bool {
	return body[0] == '{' && body[len(body)-1] == '}' && bytes.IndexByte(body, '\n') < 0 && bytes.IndexByte(body, '\r') < 0
}

// appendString appends s, which is valid UTF-8, as a JSON string without
// HTML escaping.
func appendString(out, s []byte) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.Encode(string(s)) // a string always encodes
	return append(out, bytes.TrimSuffix(buf.Bytes(), []byte("\n"))...)
}
