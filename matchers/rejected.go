package matchers

import (
	"errors"
	"fmt"

	"github.com/aws/smithy-go"
	"github.com/onsi/gomega/gcustom"
	"github.com/onsi/gomega/types"

	"github.com/cachecascade/cachecascade/matrix"
)

// BeRejectedAs succeeds when an error is the service error a rejection
// predicts: the same error code (such as ValidationException), the same
// HTTP status where the error carries one, and, when the prediction has
// one, the same message, verbatim.
func BeRejectedAs(r matrix.Rejection) types.GomegaMatcher {
	return gcustom.MakeMatcher(func(err error) (bool, error) {
		if err == nil {
			return false, nil
		}
		var api smithy.APIError
		if !errors.As(err, &api) {
			return false, fmt.Errorf("not a service error: %w", err)
		}
		var status interface{ HTTPStatusCode() int }
		if r.Status != 0 && errors.As(err, &status) && status.HTTPStatusCode() != r.Status {
			return false, nil
		}
		return api.ErrorCode() == r.ErrorCode && (r.Message == "" || api.ErrorMessage() == r.Message), nil
	}).WithTemplate("Expected\n{{.FormattedActual}}\n{{.To}} be the service's rejection\n{{format .Data 1}}", r)
}
