//go:build !cachecascade_nobearer

package preflight

import "github.com/aws/aws-sdk-go-v2/service/bedrockruntime"

// usesBearer reports whether a client with these options signs with a
// Bedrock API key (AWS_BEARER_TOKEN_BEDROCK) rather than SigV4.
func usesBearer(o bedrockruntime.Options) bool {
	return o.BearerAuthTokenProvider != nil && len(o.AuthSchemePreference) > 0 && o.AuthSchemePreference[0] == "httpBearerAuth"
}
