package matrix_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"

	"github.com/cachecascade/cachecascade/matrix"
	"github.com/cachecascade/cachecascade/prefix"
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
		{name: "Nova as two codebases describe it rejects even an explicit five-minute TTL", model: novaLite.Otherwise(matrix.FactExplicitFiveMinute),
			build: apply("5m", matrix.SystemOnly), ttlOnly: true, rule: matrix.RuleExplicitTTL, path: "system[1]"},
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
		{name: "a checkpoint after an earlier turn's reasoning block is rejected", model: sonnet45, build: func() *bedrockruntime.ConverseInput {
			in := withReasoning(request(0, 0, 3), 1)
			userCheckpoint(in, 2, "")
			return in
		}, rule: matrix.RuleReasoningEarlierTurn, path: "messages[2].content[1]",
			message: "Cache point cannot be inserted after reasoning block. Please remove the invalid cache point and try again."},
		{name: "the earlier-turn reasoning rule holds on Nova too", model: novaLite, build: func() *bedrockruntime.ConverseInput {
			in := withReasoning(request(0, 0, 3), 1)
			userCheckpoint(in, 2, "")
			return in
		}, rule: matrix.RuleReasoningEarlierTurn, path: "messages[2].content[1]",
			message: "Cache point cannot be inserted after reasoning block. Please remove the invalid cache point and try again."},
		{name: "checkpoints before the reasoning turn are fine", model: sonnet45, build: func() *bedrockruntime.ConverseInput {
			in := withReasoning(apply("", matrix.SystemOnly)(), 3)
			userCheckpoint(in, 2, "")
			return in
		}},
		{name: "Claude rejects a checkpoint right after a text document, naming its position", model: sonnet45, build: func() *bedrockruntime.ConverseInput {
			in := withDocument(request(0, 0, 1), 0, types.DocumentFormatTxt)
			userCheckpoint(in, 0, "")
			return in
		}, rule: matrix.RuleDocumentCheckpoint, path: "messages[0].content[3]",
			message: "The model returned the following errors: messages.0.content.3.type: Field required"},
		{name: "a checkpoint right after a PDF is fine", model: sonnet45, build: func() *bedrockruntime.ConverseInput {
			in := withDocument(request(0, 0, 1), 0, types.DocumentFormatPdf)
			userCheckpoint(in, 0, "")
			return in
		}},
		{name: "a checkpoint after the text that follows a text document is fine", model: sonnet45, build: func() *bedrockruntime.ConverseInput {
			in := withDocument(request(0, 0, 1), 0, types.DocumentFormatMd)
			in.Messages[0].Content = append(in.Messages[0].Content, &types.ContentBlockMemberText{Value: "after"})
			userCheckpoint(in, 0, "")
			return in
		}},
		{name: "the document rule is Claude's: Nova is not predicted to reject it", model: novaLite, build: func() *bedrockruntime.ConverseInput {
			in := withDocument(request(0, 0, 1), 0, types.DocumentFormatTxt)
			userCheckpoint(in, 0, "")
			return in
		}},
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

// withReasoning puts a reasoning block first in message msg (an assistant
// turn of request's alternation).
func withReasoning(in *bedrockruntime.ConverseInput, msg int) *bedrockruntime.ConverseInput {
	reasoning := &types.ContentBlockMemberReasoningContent{Value: &types.ReasoningContentBlockMemberReasoningText{
		Value: types.ReasoningTextBlock{Text: aws.String("thinking"), Signature: aws.String("sig")}}}
	in.Messages[msg].Content = append([]types.ContentBlock{reasoning}, in.Messages[msg].Content...)
	return in
}

// withDocument appends a second text block and a document of format f to
// message msg, whose content then ends with the document at index 2.
func withDocument(in *bedrockruntime.ConverseInput, msg int, f types.DocumentFormat) *bedrockruntime.ConverseInput {
	doc := &types.ContentBlockMemberDocument{Value: types.DocumentBlock{Format: f, Name: aws.String("notes"),
		Source: &types.DocumentSourceMemberBytes{Value: []byte("notes")}}}
	in.Messages[msg].Content = append(in.Messages[msg].Content, &types.ContentBlockMemberText{Value: "more"}, doc)
	return in
}

// TestValidateRequest covers what only an InvokeModel body carries: the
// Anthropic body's anthropic_version and automatic caching (a top-level
// cache_control), on a current model and on the legacy integration.
func TestValidateRequest(t *testing.T) {
	legacy := matrix.Default().Must("claude-sonnet-4-5")
	current := legacy
	current.Key, current.AutomaticCaching = "current", true
	explicit := func(n int) []matrix.Checkpoint {
		var out []matrix.Checkpoint
		for i := range n {
			out = append(out, matrix.Checkpoint{Layer: prefix.System, Message: -1, Index: i, Preceding: i + 1})
		}
		return out
	}
	automatic := matrix.Checkpoint{Layer: prefix.Messages, Message: 2, Index: 0, Preceding: 1, Automatic: true}
	for _, tc := range []struct {
		name    string
		model   matrix.Model
		version string
		cps     []matrix.Checkpoint
		rule    matrix.Rule
		where   string
		message string
	}{
		{name: "automatic caching is accepted on a current model", model: current, version: matrix.AnthropicVersionBedrock, cps: []matrix.Checkpoint{automatic}},
		{name: "automatic caching is rejected on the legacy integration", model: legacy, version: matrix.AnthropicVersionBedrock,
			cps: []matrix.Checkpoint{automatic}, rule: matrix.RuleAutomaticCaching, where: "cache_control"},
		{name: "automatic caching with three explicit checkpoints is four", model: current, cps: append(explicit(3), automatic)},
		{name: "automatic caching counts toward the limit", model: current, cps: append(explicit(4), automatic),
			rule: matrix.RuleTooManyCheckpoints, where: "cache_control", message: "A maximum of 4 blocks with cache_control may be provided. Found 5."},
		{name: "Bedrock's version is accepted on the legacy integration", model: legacy, version: matrix.AnthropicVersionBedrock},
		{name: "the SDKs' version is accepted on a current model", model: current, version: matrix.AnthropicVersionSDK},
		{name: "the SDKs' version is rejected on the legacy integration", model: legacy, version: matrix.AnthropicVersionSDK,
			rule: matrix.RuleAnthropicVersion, where: "anthropic_version"},
		{name: "another version is rejected on a current model", model: current, version: "2023-06-01",
			rule: matrix.RuleAnthropicVersion, where: "anthropic_version"},
		{name: "a body without anthropic_version (Nova's) is not judged on it", model: legacy, cps: explicit(1)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := matrix.ValidateRequest(tc.model, matrix.Envelope{AnthropicVersion: tc.version}, tc.cps)
			if tc.rule == "" {
				if len(got) != 0 {
					t.Errorf("ValidateRequest predicted %v, want acceptance", got)
				}
				return
			}
			if len(got) != 1 {
				t.Fatalf("ValidateRequest predicted %d rejections %v, want exactly one %s", len(got), got, tc.rule)
			}
			r := got[0]
			if r.Rule != tc.rule || r.Where() != tc.where || r.Message != tc.message || r.Status != 400 || r.ErrorCode != "ValidationException" {
				t.Errorf("ValidateRequest predicted\n  %v\nwant\n  %s at %s: 400 ValidationException: %s", r, tc.rule, tc.where, tc.message)
			}
		})
	}
}

// TestValidateRequestOrder checks that a body with both of the legacy
// integration's envelope rejections is predicted with automatic caching
// first, as the emulator (an extra key before the version) answers.
func TestValidateRequestOrder(t *testing.T) {
	legacy := matrix.Default().Must("claude-sonnet-4-5")
	automatic := matrix.Checkpoint{Layer: prefix.Messages, Message: 0, Preceding: 1, Automatic: true}
	got := matrix.ValidateRequest(legacy, matrix.Envelope{AnthropicVersion: matrix.AnthropicVersionSDK}, []matrix.Checkpoint{automatic})
	if len(got) != 2 || got[0].Rule != matrix.RuleAutomaticCaching || got[1].Rule != matrix.RuleAnthropicVersion {
		t.Errorf("ValidateRequest predicted %v, want automatic-caching then anthropic-version", got)
	}
}
