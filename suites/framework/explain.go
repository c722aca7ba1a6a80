package framework

import (
	"errors"
	"fmt"
	"strings"

	"github.com/aws/smithy-go"

	"github.com/cachecascade/cachecascade/matrix"
)

// hintedError is a target's error with advice on what to do about it. It
// unwraps to the original, so typed checks still see the service's error.
type hintedError struct {
	err  error
	hint string
}

func (e *hintedError) Error() string { return e.err.Error() + "\n  hint: " + e.hint }
func (e *hintedError) Unwrap() error { return e.err }

// explain adds advice to the errors a run against AWS commonly meets: a
// model not enabled in the account, a model the region does not serve,
// expired credentials, throttling that outlasted the retries. Other errors,
// the cache rejections among them, are returned as they are.
func explain(err error, m matrix.Model, region string) error {
	var api smithy.APIError
	if err == nil || !errors.As(err, &api) {
		return err
	}
	msg := api.ErrorMessage()
	var hint string
	switch code := api.ErrorCode(); {
	case code == "AccessDeniedException" && strings.Contains(msg, "don't have access to the model"):
		hint = fmt.Sprintf("enable access to %s (%s) in the Bedrock console's Model access page for region %s", m.Name, m.BaseID, region)
	case code == "AccessDeniedException" && strings.Contains(msg, "not authorized to perform"):
		hint = "the credentials lack an IAM permission: allow bedrock:InvokeModel and bedrock:InvokeModelWithResponseStream on the model and inference-profile ARNs (see README, Running against AWS)"
	case code == "ResourceNotFoundException" || code == "ValidationException" && strings.Contains(msg, "model identifier is invalid"):
		hint = fmt.Sprintf("%s is not served in region %s under %s; pick a region that has it or another inference profile in matrix/catalog.json (profiles: %s)", m.Name, region, m.ModelID(), strings.Join(m.Profiles, ", "))
	case code == "ExpiredTokenException" || code == "UnrecognizedClientException" || code == "InvalidSignatureException":
		hint = "the AWS credentials are expired or invalid: refresh them (for SSO run `aws sso login`)"
	case code == "ThrottlingException" || code == "ServiceQuotaExceededException":
		hint = "Bedrock throttled the run beyond the SDK's adaptive retries: run fewer specs at once (a label filter) or ask for a higher quota"
	default:
		return err
	}
	return &hintedError{err: err, hint: hint}
}
