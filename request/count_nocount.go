//go:build cachecascade_nocount

package request

import (
	"context"
	"errors"

	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
)

// CountSupported reports whether this build's SDK has the CountTokens
// operation. This file is built with the cachecascade_nocount tag for
// bedrockruntime versions before v1.37.0, which lack it.
const CountSupported = false

// Count fails: this build's SDK has no CountTokens (see CountSupported).
func Count(context.Context, *bedrockruntime.Client, *Request) (int, error) {
	return 0, errors.New("request: CountTokens needs bedrockruntime v1.37.0 or later (built with cachecascade_nocount)")
}
