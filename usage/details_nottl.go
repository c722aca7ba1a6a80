//go:build cachecascade_nottl

package usage

import "github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"

// cacheDetails returns nil: SDKs before bedrockruntime v1.48.0 do not decode
// usage.cacheDetails.
func cacheDetails(*types.TokenUsage) []TTLWrite { return nil }
