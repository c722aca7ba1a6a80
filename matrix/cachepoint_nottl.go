//go:build cachecascade_nottl

package matrix

import (
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"
)

// TTLSupported reports whether this build's SDK has CachePointBlock.Ttl. This
// file is built with the cachecascade_nottl tag for bedrockruntime versions
// before v1.48.0, which lack the field.
const TTLSupported = false

// newCachePoint returns a checkpoint block; a TTL cannot be expressed with
// this SDK.
func newCachePoint(ttl TTL) (types.CachePointBlock, error) {
	if ttl != TTLDefault {
		return types.CachePointBlock{}, fmt.Errorf("matrix: ttl %q needs bedrockruntime v1.48.0 or later (built with cachecascade_nottl)", ttl)
	}
	return types.CachePointBlock{Type: types.CachePointTypeDefault}, nil
}

// cachePointTTL returns the default TTL: this SDK cannot carry another.
func cachePointTTL(types.CachePointBlock) TTL { return TTLDefault }
