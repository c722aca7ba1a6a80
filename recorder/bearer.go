//go:build !cachecascade_nobearer

package recorder

import "github.com/aws/aws-sdk-go-v2/service/bedrockruntime"

// noBearer turns off the bearer-token auth scheme the SDK selects when
// AWS_BEARER_TOKEN_BEDROCK is set, so that replayed and second-account
// clients sign with the credentials they were given whatever the
// environment holds. Builds for bedrockruntime versions whose Options lack
// both fields (those before bearer auth, which arrived around v1.31.0) use
// the cachecascade_nobearer tag instead.
func noBearer(o *bedrockruntime.Options) {
	o.AuthSchemePreference = nil
	o.BearerAuthTokenProvider = nil
}
