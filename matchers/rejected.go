package matchers

import (
	"errors"
	"fmt"

	"github.com/aws/smithy-go"
	"github.com/onsi/gomega/gcustom"
	"github.com/onsi/gomega/types"

	"github.com/cachecascade/cachecascade/matrix"
	"github.com/cachecascade/cachecascade/verdict"
)

// BeRejectedAs succeeds when an error is the service error a rejection
// predicts, as verdict.JudgeRejection decides it: the same error code (such
// as ValidationException), the same HTTP status where the error carries one,
// and, when the prediction has one, the same message, verbatim. An error
// that is not a service error at all (a refused connection) is misuse.
func BeRejectedAs(r matrix.Rejection) types.GomegaMatcher {
	return gcustom.MakeMatcher(func(err error) (bool, error) {
		var api smithy.APIError
		if err != nil && !errors.As(err, &api) {
			return false, fmt.Errorf("not a service error: %w", err)
		}
		return verdict.JudgeRejection(r, err).Outcome == verdict.ExpectedError, nil
	}).WithTemplate("Expected\n{{.FormattedActual}}\n{{.To}} be the service's rejection\n{{format .Data 1}}", r)
}
