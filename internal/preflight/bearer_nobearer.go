//go:build cachecascade_nobearer

package preflight

import "github.com/aws/aws-sdk-go-v2/service/bedrockruntime"

// usesBearer reports false: SDKs built with the cachecascade_nobearer tag
// (bedrockruntime before bearer auth) always sign with SigV4.
func usesBearer(bedrockruntime.Options) bool { return false }
