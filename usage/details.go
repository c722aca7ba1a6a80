//go:build !cachecascade_nottl

package usage

import "github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"

// cacheDetails converts usage.cacheDetails (bedrockruntime v1.48.0 and
// later).
func cacheDetails(u *types.TokenUsage) []TTLWrite {
	var out []TTLWrite
	for _, d := range u.CacheDetails {
		out = append(out, TTLWrite{TTL: string(d.Ttl), Tokens: deref(d.InputTokens)})
	}
	return out
}
