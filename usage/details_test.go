//go:build !cachecascade_nottl

package usage_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"

	"github.com/cachecascade/cachecascade/usage"
)

func TestCacheDetails(t *testing.T) {
	// Turn 2 of a recorded conversation: read 1712 + write 236 (5m).
	u := usage.FromSDK(&types.TokenUsage{InputTokens: aws.Int32(3), OutputTokens: aws.Int32(5), TotalTokens: aws.Int32(1956),
		CacheReadInputTokens: aws.Int32(1712), CacheWriteInputTokens: aws.Int32(236),
		CacheDetails: []types.CacheDetail{{InputTokens: aws.Int32(236), Ttl: types.CacheTTLFiveMinutes}}})
	if u.WrittenWith("5m") != 236 || !u.TotalsAddUp() {
		t.Errorf("FromSDK = %v", u)
	}
}
