package usage_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"

	"github.com/cachecascade/cachecascade/usage"
)

func TestFromSDKAndTotals(t *testing.T) {
	// Nova Lite, as recorded (FACTS.md): write 1298 / input 10 / output 2 / total 1310.
	u := usage.FromSDK(&types.TokenUsage{InputTokens: aws.Int32(10), OutputTokens: aws.Int32(2), TotalTokens: aws.Int32(1310), CacheWriteInputTokens: aws.Int32(1298)})
	if u.Read != 0 || u.Write != 1298 || u.Input != 10 || u.Output != 2 || u.Total != 1310 {
		t.Errorf("FromSDK = %v", u)
	}
	if !u.TotalsAddUp() || u.Prompt() != 1308 {
		t.Errorf("%v: totals add up %v, prompt %d; want true, 1308", u, u.TotalsAddUp(), u.Prompt())
	}
	u.Total++
	if u.TotalsAddUp() {
		t.Error("a total one token off adds up")
	}
	if z := usage.FromSDK(nil); z.Prompt() != 0 || z.Total != 0 || z.Output != 0 || z.Writes != nil {
		t.Errorf("FromSDK(nil) = %v", z)
	}
}

func TestWrittenWith(t *testing.T) {
	u := usage.Usage{Write: 300, Writes: []usage.TTLWrite{{TTL: "1h", Tokens: 64}, {TTL: "5m", Tokens: 236}}}
	if u.WrittenWith("1h") != 64 || u.WrittenWith("5m") != 236 || u.WrittenWith("24h") != 0 {
		t.Errorf("WrittenWith: %v", u)
	}
	if s := u.String(); s != "{read 0, write 300, input 0, output 0, total 0, 1h write 64, 5m write 236}" {
		t.Errorf("String = %s", s)
	}
	sum := u.Add(usage.Usage{Read: 5, Total: 5})
	if sum.Read != 5 || sum.Write != 300 || len(sum.Writes) != 2 {
		t.Errorf("Add = %v", sum)
	}
}
