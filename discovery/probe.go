package discovery

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/smithy-go"

	"github.com/cachecascade/cachecascade/usage"
)

// Client is the part of the Bedrock runtime client that discovery calls;
// *bedrockruntime.Client implements it.
type Client interface {
	// Converse sends one Converse request.
	Converse(ctx context.Context, in *bedrockruntime.ConverseInput, optFns ...func(*bedrockruntime.Options)) (*bedrockruntime.ConverseOutput, error)
	// InvokeModel sends one request in the model's native body.
	InvokeModel(ctx context.Context, in *bedrockruntime.InvokeModelInput, optFns ...func(*bedrockruntime.Options)) (*bedrockruntime.InvokeModelOutput, error)
	// CountTokens counts the tokens of a request without running it.
	CountTokens(ctx context.Context, in *bedrockruntime.CountTokensInput, optFns ...func(*bedrockruntime.Options)) (*bedrockruntime.CountTokensOutput, error)
}

// The APIs a Call names (and APIInvokeModel).
const (
	APIConverse    = "Converse"
	APICountTokens = "CountTokens"
)

// Call is one request discovery sent: what it was for and what came back.
type Call struct {
	// N numbers the model's calls from 1, in the order they were sent.
	N int `json:"n"`
	// API is APIConverse, APIInvokeModel or APICountTokens.
	API string `json:"api"`
	// Purpose says what the call measured.
	Purpose string `json:"purpose"`
	// Usage is a Converse or InvokeModel call's reported usage (nil on an
	// error).
	Usage *usage.Usage `json:"usage,omitempty"`
	// Count is a CountTokens call's inputTokens.
	Count int `json:"count,omitempty"`
	// Error is the error the call ended with, code first ("" on success).
	Error string `json:"error,omitempty"`
}

// Outcome renders what the call returned, for evidence and tables.
func (c Call) Outcome() string {
	switch {
	case c.Error != "":
		return c.Error
	case c.API == APICountTokens:
		return fmt.Sprintf("inputTokens %d", c.Count)
	case c.Usage != nil:
		return fmt.Sprintf("read %d, write %d, input %d (prompt %d)%s", c.Usage.Read, c.Usage.Write, c.Usage.Input,
			c.Usage.Prompt(), writesByTTL(*c.Usage))
	}
	return "no usage"
}

// writesByTTL renders usage.cacheDetails, "" when there is none.
func writesByTTL(u usage.Usage) string {
	var parts []string
	for _, w := range u.Writes {
		parts = append(parts, fmt.Sprintf("%d written with ttl %s", w.Tokens, w.TTL))
	}
	if len(parts) == 0 {
		return ""
	}
	return "; cacheDetails: " + strings.Join(parts, ", ")
}

// CallError is an error the service (or the way to it) answered a call
// with.
type CallError struct {
	// Code is the service's error code, such as "ValidationException";
	// empty for an error that never reached the service.
	Code string
	// Status is the HTTP status, 0 when there was no response.
	Status int
	// Message is the service's message, or the error's text.
	Message string
	// err is the SDK's error.
	err error
}

// Unwrap returns the SDK's error.
func (e *CallError) Unwrap() error { return e.err }

// Error renders the error as "Code (status): message".
func (e *CallError) Error() string {
	switch {
	case e.Code == "":
		return e.Message
	case e.Status == 0:
		return e.Code + ": " + e.Message
	}
	return fmt.Sprintf("%s (%d): %s", e.Code, e.Status, e.Message)
}

// callError converts an SDK error.
func callError(err error) *CallError {
	ce := &CallError{Message: err.Error(), err: err}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		ce.Code, ce.Message = ae.ErrorCode(), ae.ErrorMessage()
	}
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		ce.Status = re.HTTPStatusCode()
	}
	return ce
}

// rejected reports whether err is the service refusing the request as
// invalid: a ValidationException, or the AccessDeniedException some
// accounts get for a checkpoint on a model without prompt caching. Any
// other error says nothing about the request.
func rejected(err error) bool {
	var ce *CallError
	if !errors.As(err, &ce) {
		return false
	}
	return ce.Code == "ValidationException" ||
		ce.Code == "AccessDeniedException" && strings.Contains(ce.Message, "prompt caching")
}

// hint says what to do about an error that stopped a measurement.
func hint(err error) string {
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "timed out: give the model more time (scripts/discover -timeout)"
	case errors.Is(err, context.Canceled):
		return "interrupted"
	}
	var ce *CallError
	if !errors.As(err, &ce) {
		return ""
	}
	switch ce.Code {
	case "ThrottlingException", "ServiceQuotaExceededException", "TooManyRequestsException", "ServiceUnavailableException":
		return "throttled beyond the SDK's retries: wait and run again with more retries (scripts/discover -max-attempts), or ask for a higher Bedrock quota"
	case "AccessDeniedException":
		return "access denied: enable the model on the Bedrock console's Model access page of the region, and allow bedrock:InvokeModel on it"
	case "UnrecognizedClientException", "InvalidSignatureException", "ExpiredTokenException", "IncompleteSignatureException":
		return "the credentials were refused: check AWS_PROFILE, refresh them (for SSO run `aws sso login`), or check the Bedrock API key"
	case "ResourceNotFoundException":
		return "the model is not served here (end of life, or not in this region)"
	case "":
		return "the endpoint could not be reached: check AWS_REGION and the network, or the endpoint URL"
	}
	return ""
}

// callTimeout bounds one call, the SDK's retries included.
const callTimeout = 3 * time.Minute

// prober sends one model's calls, numbers and records them, and keeps them
// within the stated bounds.
type prober struct {
	ctx    context.Context
	client Client
	model  string
	// countID is the ID CountTokens is called with: the base ID, the only
	// one it counts for.
	countID  string
	nonce    string
	seq      int
	calls    []Call
	converse int
	count    int
	// converseBound and countBound are the most Converse (with
	// InvokeModel) and CountTokens calls allowed.
	converseBound, countBound int
	progress                  io.Writer
}

// errBound is returned when a step would send more calls than Bounds
// allows: a bug in the step, never a property of the model.
var errBound = errors.New("discover: the call bound was reached (a bug in discovery)")

// fresh returns a text start no earlier probe of this run used, so that a
// probe never reads another probe's entry.
func (p *prober) fresh() string { return "Probe " + p.tag() + ". " }

// tag returns a name no earlier probe of this run used.
func (p *prober) tag() string {
	p.seq++
	return fmt.Sprintf("%s-%d", p.nonce, p.seq)
}

// start counts a call to the model through api against the bound (errBound
// past it), logs it, and returns its record and its deadline.
func (p *prober) start(api, purpose string) (Call, context.Context, context.CancelFunc, error) {
	if p.converse >= p.converseBound {
		return Call{}, nil, nil, errBound
	}
	p.converse++
	c := Call{N: len(p.calls) + 1, API: api, Purpose: purpose}
	p.logf("call %d: %s", c.N, purpose)
	ctx, cancel := context.WithTimeout(p.ctx, callTimeout)
	return c, ctx, cancel, nil
}

// send calls Converse, records the call and returns it with the call's
// error (a *CallError for anything the SDK returned).
func (p *prober) send(purpose string, in *bedrockruntime.ConverseInput) (Call, error) {
	c, ctx, cancel, err := p.start(APIConverse, purpose)
	if err != nil {
		return Call{}, err
	}
	defer cancel()
	out, err := p.client.Converse(ctx, in)
	var cerr error
	if err != nil {
		ce := callError(err)
		c.Error, cerr = ce.Error(), ce
	} else {
		u := usage.FromSDK(out.Usage)
		c.Usage = &u
	}
	p.calls = append(p.calls, c)
	return c, cerr
}

// sendOK is send for a request the service must accept: a rejection is an
// error too, naming the purpose.
func (p *prober) sendOK(purpose string, in *bedrockruntime.ConverseInput) (usage.Usage, Call, error) {
	c, err := p.send(purpose, in)
	if err != nil {
		return usage.Usage{}, c, fmt.Errorf("call %d (%s): %w", c.N, purpose, err)
	}
	return *c.Usage, c, nil
}

// countTokens calls CountTokens, by the base ID, for the prompt of in and
// records the call.
func (p *prober) countTokens(purpose string, in *bedrockruntime.ConverseInput) (int, Call, error) {
	if p.count >= p.countBound {
		return 0, Call{}, errBound
	}
	p.count++
	c := Call{N: len(p.calls) + 1, API: APICountTokens, Purpose: purpose}
	ctx, cancel := context.WithTimeout(p.ctx, callTimeout)
	defer cancel()
	ci := countInput(in)
	ci.ModelId = &p.countID
	out, err := p.client.CountTokens(ctx, ci)
	var cerr error
	switch {
	case err != nil:
		ce := callError(err)
		c.Error, cerr = ce.Error(), ce
	case out.InputTokens == nil:
		c.Error = "no inputTokens in the answer"
		cerr = &CallError{Message: c.Error}
	default:
		c.Count = int(*out.InputTokens)
	}
	p.calls = append(p.calls, c)
	return c.Count, c, cerr
}

// logf writes a progress line when progress is wanted.
func (p *prober) logf(format string, a ...any) {
	if p.progress != nil {
		fmt.Fprintf(p.progress, "discover: %s: "+format+"\n", append([]any{p.model}, a...)...)
	}
}
