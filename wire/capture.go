package wire

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/smithy-go/middleware"

	"github.com/cachecascade/cachecascade/internal/safebody"
)

// Endpoint is the base endpoint of the capturing client. The .invalid
// top-level domain never resolves, and the request never leaves the process
// anyway.
const Endpoint = "https://bedrock-runtime.invalid"

// Region is the region of the capturing client. It appears only in the
// signature, which Capture does not keep.
const Region = "us-east-1"

// Request is one captured HTTP request: what the SDK would have sent.
// Headers are deliberately not kept (they carry the signature, a fresh
// invocation ID and, when AWS_BEARER_TOKEN_BEDROCK is set, a real token).
type Request struct {
	// Method is the HTTP method, "POST" for Converse and ConverseStream.
	Method string
	// Path is the escaped path as written on the request line, such as
	// /model/us.anthropic.claude-sonnet-4-5-20250929-v1%3A0/converse.
	Path string
	// Body is the exact request body.
	Body []byte
}

// errCaptured is what the capturing HTTP client returns instead of a
// response.
var errCaptured = errors.New("wire: request captured, not sent")

// capturer is an HTTP client that keeps the one request it is given.
type capturer struct {
	got *Request
	err error
}

// Do records the request and fails it with errCaptured.
func (c *capturer) Do(r *http.Request) (*http.Response, error) {
	body, err := safebody.Read(r)
	if err != nil {
		c.err = fmt.Errorf("wire: reading the request body: %w", err)
		return nil, c.err
	}
	if body == nil {
		body = []byte{}
	}
	c.got = &Request{Method: r.Method, Path: r.URL.EscapedPath(), Body: body}
	return nil, errCaptured
}

// fakeCredentials are static credentials for the SDK's identity step (a
// capture is not signed, see unsigned); aws.AnonymousCredentials would make
// the client panic.
var fakeCredentials = aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
	return aws.Credentials{
		AccessKeyID:     "AKIDWIRECAPTURE",
		SecretAccessKey: "wire-capture-not-a-secret",
		Source:          "wire",
	}, nil
})

// client is the client of every capture: clients are safe for concurrent
// use, and each capture sets its own HTTP client per call (force).
var client = sync.OnceValue(func() *bedrockruntime.Client {
	return bedrockruntime.New(bedrockruntime.Options{
		Region:           Region,
		Credentials:      fakeCredentials,
		BaseEndpoint:     aws.String(Endpoint),
		HTTPClient:       &capturer{},
		RetryMaxAttempts: 1,
	})
})

// force is the last per-operation option of every capture: it sets the
// capturing HTTP client and a single attempt again, so a caller's options
// (extra middleware, say) apply but cannot send the request anywhere, and
// leaves the request unsigned.
func force(c *capturer) func(*bedrockruntime.Options) {
	return func(o *bedrockruntime.Options) {
		o.HTTPClient = c
		o.RetryMaxAttempts = 1
		o.APIOptions = append(slices.Clip(o.APIOptions), unsigned)
	}
}

// unsigned removes the steps that sign a request (the payload's hash and
// the signature) where the stack has them: a capture keeps the method,
// path and body, never the signature, and signing was about a quarter of
// what a capture cost.
func unsigned(st *middleware.Stack) error {
	for _, id := range []string{"ComputePayloadHash", "Signing"} {
		if _, ok := st.Finalize.Get(id); ok {
			if _, err := st.Finalize.Remove(id); err != nil {
				return err
			}
		}
	}
	return nil
}

// result turns the outcome of a captured call into a Request.
func result(op string, c *capturer, err error) (Request, error) {
	if c.got != nil {
		return *c.got, nil
	}
	if c.err != nil {
		return Request{}, c.err
	}
	if err == nil {
		return Request{}, fmt.Errorf("wire: %s returned without sending a request", op)
	}
	return Request{}, fmt.Errorf("wire: %s failed before sending: %w", op, err)
}

// Converse returns the request the SDK sends for in, without any network:
// it calls Converse on a client with static fake credentials, region
// Region, base endpoint Endpoint and a single attempt, whose HTTP client
// keeps the request and fails the call. optFns are per-operation options
// applied before the capture settings (for example middleware that adds
// cache points). An input the SDK rejects before sending (such as one
// without a model ID) returns the SDK's error. Converse is safe for
// concurrent use.
func Converse(ctx context.Context, in *bedrockruntime.ConverseInput, optFns ...func(*bedrockruntime.Options)) (Request, error) {
	c := &capturer{}
	_, err := client().Converse(ctx, in, append(optFns[:len(optFns):len(optFns)], force(c))...)
	return result("Converse", c, err)
}

// ConverseStream is Converse for a ConverseStream input: the same capture,
// through the streaming operation's own serializer and path
// (/model/{modelId}/converse-stream).
func ConverseStream(ctx context.Context, in *bedrockruntime.ConverseStreamInput, optFns ...func(*bedrockruntime.Options)) (Request, error) {
	c := &capturer{}
	out, err := client().ConverseStream(ctx, in, append(optFns[:len(optFns):len(optFns)], force(c))...)
	if out != nil {
		if s := out.GetStream(); s != nil {
			s.Close()
		}
	}
	return result("ConverseStream", c, err)
}
