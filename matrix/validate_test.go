package matrix_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"

	"github.com/cachecascade/cachecascade/matrix"
)

func TestValidate(t *testing.T) {
	c := matrix.Default()
	sonnet45, sonnet37, novaLite := c.Must("claude-sonnet-4-5"), c.Must("claude-3-7-sonnet"), c.Must("nova-lite")

	// apply builds a request with 2 tools, 1 system block and 5 messages
	// and places the named strategies' checkpoints in turn.
	apply := func(ttl matrix.TTL, strategies ...matrix.Strategy) func() *bedrockruntime.ConverseInput {
		return func() *bedrockruntime.ConverseInput {
			in := request(2, 1, 5)
			for _, s := range strategies {
				if _, err := s.Apply(in, ttl); err != nil {
					t.Fatal(err)
				}
			}
			return in
		}
	}
	userCheckpoint := func(in *bedrockruntime.ConverseInput, msg int, ttl matrix.TTL) {
		cp := cachePoint()
		cp.Ttl = types.CacheTTL(ttl)
		in.Messages[msg].Content = append(in.Messages[msg].Content, &types.ContentBlockMemberCachePoint{Value: cp})
	}

	for _, tc := range []struct {
		name    string
		model   matrix.Model
		build   func() *bedrockruntime.ConverseInput
		ttlOnly bool
		rule    matrix.Rule
		path    string
		message string
	}{
		{name: "every strategy is fine on Claude", model: sonnet45, build: apply("", matrix.SystemAndTools, matrix.ConversationHistory)},
		{name: "system and messages are fine on Nova", model: novaLite, build: apply("", matrix.SystemOnly, matrix.ConversationHistory)},
		{name: "Nova rejects a tools checkpoint, naming its index", model: novaLite, build: apply("", matrix.ToolsOnly),
			rule: matrix.RuleNovaToolCheckpoint, path: "toolConfig.tools[2]",
			message: "The model returned the following errors: Malformed input request: #/toolConfig/tools/2: extraneous key [cachePoint] is not permitted, please reformat your input and try again."},
		{name: "Nova rejects a one-hour TTL", model: novaLite, build: apply("1h", matrix.SystemOnly), ttlOnly: true,
			rule: matrix.RuleExtendedTTLNotAnthropic, path: "system[1]", message: "Extended TTL prompt caching is only supported for Anthropic models"},
		{name: "Nova takes an explicit five-minute TTL", model: novaLite, build: apply("5m", matrix.SystemOnly), ttlOnly: true},
		{name: "a Claude model without one-hour rejects any TTL", model: sonnet37, build: apply("5m", matrix.SystemOnly), ttlOnly: true,
			rule: matrix.RuleTTLNotSupported, path: "system[1]", message: "Extra inputs are not permitted"},
		{name: "an unknown TTL is rejected without a documented message", model: sonnet45, build: apply("10m", matrix.SystemOnly), ttlOnly: true,
			rule: matrix.RuleUnknownTTL, path: "system[1]"},
		{name: "one hour before five minutes is fine", model: sonnet45, ttlOnly: true, build: func() *bedrockruntime.ConverseInput {
			in := apply("1h", matrix.SystemOnly)()
			userCheckpoint(in, 4, "5m")
			return in
		}},
		{name: "one hour after five minutes is rejected", model: sonnet45, ttlOnly: true, build: func() *bedrockruntime.ConverseInput {
			in := apply("5m", matrix.SystemOnly)()
			userCheckpoint(in, 2, "1h")
			return in
		}, rule: matrix.RuleTTLOrder, path: "messages[2].content[1]",
			message: "The model returned the following errors: messages.2.content.0.cache_control.ttl: a ttl='1h' cache_control block must not come after a ttl='5m' cache_control block. Note that blocks are processed in the following order: `tools`, `system`, `messages`."},
		{name: "four checkpoints are fine", model: sonnet45, build: func() *bedrockruntime.ConverseInput {
			in := apply("", matrix.SystemAndTools)()
			userCheckpoint(in, 0, "")
			userCheckpoint(in, 2, "")
			return in
		}},
		{name: "five checkpoints are rejected", model: sonnet45, build: func() *bedrockruntime.ConverseInput {
			in := apply("", matrix.SystemAndTools)()
			for _, m := range []int{0, 2, 4} {
				userCheckpoint(in, m, "")
			}
			return in
		}, rule: matrix.RuleTooManyCheckpoints, path: "messages[4].content[1]",
			message: "A maximum of 4 blocks with cache_control may be provided. Found 5."},
		{name: "a checkpoint first in the system list has nothing to cache", model: sonnet45, build: func() *bedrockruntime.ConverseInput {
			in := request(0, 0, 1)
			in.System = []types.SystemContentBlock{&types.SystemContentBlockMemberCachePoint{Value: cachePoint()}}
			return in
		}, rule: matrix.RuleNothingToCache, path: "system[0]",
			message: "There is nothing available to cache. Please remove the invalid cache point and try again."},
		{name: "a checkpoint alone in a message has nothing to cache", model: novaLite, build: func() *bedrockruntime.ConverseInput {
			in := request(0, 0, 1)
			in.Messages[0].Content = []types.ContentBlock{&types.ContentBlockMemberCachePoint{Value: cachePoint()}}
			return in
		}, rule: matrix.RuleNothingToCache, path: "messages[0].content[0]",
			message: "There is nothing available to cache. Please remove the invalid cache point and try again."},
		{name: "a checkpoint after a reasoning block is rejected", model: sonnet45, build: func() *bedrockruntime.ConverseInput {
			in := request(0, 0, 2)
			in.Messages[1].Content = append(in.Messages[1].Content,
				&types.ContentBlockMemberReasoningContent{Value: &types.ReasoningContentBlockMemberRedactedContent{Value: []byte("x")}},
				&types.ContentBlockMemberCachePoint{Value: cachePoint()})
			return in
		}, rule: matrix.RuleAfterReasoning, path: "messages[1].content[2]",
			message: "Cache point cannot be inserted after reasoning block. Please remove the invalid cache point and try again."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.ttlOnly && !matrix.TTLSupported {
				t.Skip("built for an SDK without CachePointBlock.Ttl")
			}
			got := matrix.Validate(tc.model, tc.build())
			if tc.rule == "" {
				if len(got) != 0 {
					t.Errorf("Validate predicted %v, want acceptance", got)
				}
				return
			}
			if len(got) != 1 {
				t.Fatalf("Validate predicted %d rejections %v, want exactly one %s", len(got), got, tc.rule)
			}
			r := got[0]
			if r.Rule != tc.rule || r.Checkpoint.Path() != tc.path || r.Message != tc.message || r.Status != 400 || r.ErrorCode != "ValidationException" {
				t.Errorf("Validate predicted\n  %v\nwant\n  %s at %s: 400 ValidationException: %s", r, tc.rule, tc.path, tc.message)
			}
		})
	}
}
