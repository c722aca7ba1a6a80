//go:build cachecascade_nobearer

package recorder

import "github.com/aws/aws-sdk-go-v2/service/bedrockruntime"

// noBearer does nothing: this file is built with the cachecascade_nobearer
// tag for bedrockruntime versions whose Options have no
// AuthSchemePreference or BearerAuthTokenProvider (v1.28.0, for one). Those
// versions know no bearer auth, so AWS_BEARER_TOKEN_BEDROCK cannot switch
// the scheme and there is nothing to turn off.
func noBearer(*bedrockruntime.Options) {}
