package preflight

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"
	"github.com/aws/smithy-go"
)

// Model names one model a run will call: its display name, the ID the run
// invokes it by, and the label that leaves it out of a run.
type Model struct {
	// Name is the display name, such as "Claude Sonnet 4.5".
	Name string
	// ID is the model or inference-profile ID the run invokes.
	ID string
	// Label is the Ginkgo label of the model's specs, such as
	// "model:claude-sonnet-4-5"; the fixes name it.
	Label string
	// ViaProfile is true when ID is an inference profile's, whose ARN an
	// IAM policy must allow besides the foundation models'.
	ViaProfile bool
}

// Probe is what a model check sends: one Converse call with a one-word
// prompt and room for a single output token, a few tokens per model (less
// than $0.0001 on any model of the catalog).
const (
	ProbePrompt    = "Hi"
	ProbeMaxTokens = 1
)

// ModelTimeout bounds one model's probe, retries included.
const ModelTimeout = 30 * time.Second

// probeConcurrency is how many probes are in flight at once: the lineup is
// checked in seconds without a burst a small account's quota would
// throttle.
const probeConcurrency = 4

// ModelResult is what the model check found: every problem, one per model
// that cannot be used (or one for all when the service rejects the
// identity itself), and the usage the probes were billed.
type ModelResult struct {
	// Problems are what stops the run, in the order of the models.
	Problems []Problem
	// Warnings are answers that do not prove a model unusable (throttling,
	// a validation error about the probe rather than the model): the run
	// goes on and the specs will say more.
	Warnings []string
	// InputTokens and OutputTokens total the probes' billed usage.
	InputTokens, OutputTokens int
	// Calls counts the probes that got an answer, successful or not.
	Calls int
}

// Err returns the result's problems as an *Error, or nil when there are
// none.
func (r ModelResult) Err(endpoint string) error {
	if len(r.Problems) == 0 {
		return nil
	}
	return &Error{Endpoint: endpoint, Problems: r.Problems}
}

// CheckModels sends one cheap Converse call to each model through a client
// built from the SDK's default configuration (with loads applied; the
// endpoint override AWS_ENDPOINT_URL_BEDROCK_RUNTIME applies as for any
// client), and classifies each refusal by its error code: no access
// (AccessDeniedException), not found (ResourceNotFoundException: end of
// life, or not offered in the Region), an ID the Region does not accept
// (ValidationException about the model ID or its inference profile), or
// credentials the service rejects. Call it after Check has passed.
func CheckModels(ctx context.Context, models []Model, loads ...func(*config.LoadOptions) error) (ModelResult, error) {
	cfg, err := config.LoadDefaultConfig(ctx, loads...)
	if err != nil {
		return ModelResult{}, err
	}
	return ProbeModels(ctx, bedrockruntime.NewFromConfig(cfg), models), nil
}

// ProbeModels is CheckModels with the client given.
func ProbeModels(ctx context.Context, client *bedrockruntime.Client, models []Model) ModelResult {
	type answer struct {
		out *bedrockruntime.ConverseOutput
		err error
	}
	answers := make([]answer, len(models))
	sem := make(chan struct{}, probeConcurrency)
	var wg sync.WaitGroup
	for i, m := range models {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			ctx, cancel := context.WithTimeout(ctx, ModelTimeout)
			defer cancel()
			out, err := client.Converse(ctx, &bedrockruntime.ConverseInput{
				ModelId: aws.String(m.ID),
				Messages: []types.Message{{Role: types.ConversationRoleUser,
					Content: []types.ContentBlock{&types.ContentBlockMemberText{Value: ProbePrompt}}}},
				InferenceConfig: &types.InferenceConfiguration{MaxTokens: aws.Int32(ProbeMaxTokens)},
			})
			answers[i] = answer{out, err}
		}()
	}
	wg.Wait()

	var r ModelResult
	identity := map[string]bool{}
	for i, m := range models {
		a := answers[i]
		var ae smithy.APIError
		if a.err == nil || errors.As(a.err, &ae) {
			r.Calls++
		}
		if a.err == nil {
			if u := a.out.Usage; u != nil {
				r.InputTokens += int(aws.ToInt32(u.InputTokens))
				r.OutputTokens += int(aws.ToInt32(u.OutputTokens))
			}
			continue
		}
		p, warning, ofIdentity := classify(m, a.err)
		switch {
		case warning != "":
			r.Warnings = append(r.Warnings, warning)
		case ofIdentity:
			// The identity is refused on every call: one problem, not one
			// per model.
			if !identity[p.What] {
				identity[p.What] = true
				r.Problems = append(r.Problems, p)
			}
		default:
			r.Problems = append(r.Problems, p)
		}
	}
	return r
}

// classify turns a probe's error into a problem with its fix, a warning,
// or an identity problem (ofIdentity) that concerns every model alike.
func classify(m Model, err error) (p Problem, warning string, ofIdentity bool) {
	who := fmt.Sprintf("%s (%s)", m.Name, m.ID)
	leave := "or leave it out of the run with --label-filter '!" + m.Label + "'"
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		if errors.Is(err, context.DeadlineExceeded) {
			return Problem{What: who + " did not answer within " + ModelTimeout.String(), Err: err,
				Fix: "check the target's health and the network; " + leave}, "", false
		}
		return Problem{What: "cannot call " + who, Err: err, Fix: "check the network and the endpoint; " + leave}, "", false
	}
	msg := ae.ErrorMessage()
	switch ae.ErrorCode() {
	case "AccessDeniedException":
		return Problem{What: "no access to " + who, Err: err,
			Fix: "allow bedrock:InvokeModel and bedrock:InvokeModelWithResponseStream for the identity on the model's foundation-model ARNs" +
				profileClause(m) + "; if the policy already does, enable the model on the Bedrock console's Model access page " +
				"(Anthropic models ask once for a use-case form); " + leave}, "", false
	case "ResourceNotFoundException":
		return Problem{What: who + " is not found", Err: err,
			Fix: "the model may have reached end of life or not be offered in this Region: mark it end-of-life in matrix/catalog.json, " +
				"set AWS_REGION to a Region that offers it, " + leave}, "", false
	case "ValidationException":
		lower := strings.ToLower(msg)
		if strings.Contains(lower, "model identifier") || strings.Contains(lower, "model id") || strings.Contains(lower, "inference profile") {
			return Problem{What: "this Region does not accept the ID of " + who, Err: err,
				Fix: "the model may need an inference-profile ID here (or offer none in this Region): check its IDs in matrix/catalog.json " +
					"against the Region's model list, set AWS_REGION, " + leave}, "", false
		}
		return Problem{}, fmt.Sprintf("%s refused the one-token probe (%s: %s); its access is not in doubt, and the specs will tell more", who, ae.ErrorCode(), msg), false
	case "UnrecognizedClientException", "InvalidSignatureException", "ExpiredTokenException", "IncompleteSignatureException":
		return Problem{What: "the service rejects the credentials (" + ae.ErrorCode() + ")", Err: err,
			Fix: "use valid, current credentials for this account (for SSO run `aws sso login`); check the clock (SigV4 allows 5 minutes of skew)"}, "", true
	case "ThrottlingException", "ServiceUnavailableException", "ModelNotReadyException", "InternalServerException", "ServiceQuotaExceededException":
		return Problem{}, fmt.Sprintf("%s answered %s to the probe: it is reachable and allowed, the run's retryer copes with the rest", who, ae.ErrorCode()), false
	}
	return Problem{What: "cannot call " + who, Err: err, Fix: "see the error; " + leave}, "", false
}

// profileClause names the inference-profile ARN an IAM policy must also
// allow when the run invokes the model through a profile.
func profileClause(m Model) string {
	if !m.ViaProfile {
		return ""
	}
	return " and on the inference profile arn:aws:bedrock:REGION:ACCOUNT:inference-profile/" + m.ID
}
