//go:build !cachecascade_nottl

package matrix

import "github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"

// TTLSupported reports whether this build's SDK has CachePointBlock.Ttl
// (bedrockruntime v1.48.0 and later). Builds for older SDKs use the
// cachecascade_nottl tag, under which it is false.
const TTLSupported = true

// newCachePoint returns a checkpoint block with the given TTL.
func newCachePoint(ttl TTL) (types.CachePointBlock, error) {
	return types.CachePointBlock{Type: types.CachePointTypeDefault, Ttl: types.CacheTTL(ttl)}, nil
}

// cachePointTTL returns the TTL a checkpoint block carries.
func cachePointTTL(b types.CachePointBlock) TTL { return TTL(b.Ttl) }
