package ownsuite_test

import (
	"fmt"
	"hash/fnv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/document"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"

	"github.com/cachecascade/cachecascade/matrix"
	"github.com/cachecascade/cachecascade/suites/builder"
)

// This file is the team's side: the request builder of a toy support
// assistant, as an application would have it, and one with a classic
// mistake. Neither knows about fixtures or the matrix beyond the model.

// words is the vocabulary of the toy prompts.
var words = strings.Fields(`order refund customer shipping policy warehouse invoice account
	support ticket delivery return window carrier package tracking address payment card
	subscription renewal discount coupon escalate agent apologise confirm verify identity
	priority standard express international customs duty weight label damaged missing`)

// prose returns about n words of deterministic text seeded by seed.
func prose(seed string, n int) string {
	var b strings.Builder
	for i := range n {
		h := fnv.New32a()
		fmt.Fprintf(h, "%s/%d", seed, i)
		b.WriteString(words[h.Sum32()%uint32(len(words))])
		if i%12 == 11 {
			b.WriteString(". ")
		} else {
			b.WriteByte(' ')
		}
	}
	return b.String()
}

// instructionWords is the size of the static instructions: about twice
// the 1,000- and 1,024-token minimums of the models the suite checks.
const instructionWords = 1600

// variantSeed is the seed suffix of a layer: the base, or the changed one.
func variantSeed(v builder.Variant, c builder.Change) string {
	if v.Change == c {
		return "/changed"
	}
	return ""
}

// supportRequest is the shared shape of both builders: one tool, the
// static instructions (first system block), a short per-tenant context
// (second system block) and the customer's question.
func supportRequest(m matrix.Model, v builder.Variant, instructions string) *bedrockruntime.ConverseInput {
	schema := map[string]any{"type": "object", "properties": map[string]any{"order_id": map[string]any{"type": "string"}}}
	return &bedrockruntime.ConverseInput{
		ModelId: aws.String(m.ModelID()),
		ToolConfig: &types.ToolConfiguration{Tools: []types.Tool{&types.ToolMemberToolSpec{Value: types.ToolSpecification{
			Name:        aws.String("lookup_order"),
			Description: aws.String(string(v.Salt) + " " + prose("tool"+variantSeed(v, builder.ChangeTools), 40)),
			InputSchema: &types.ToolInputSchemaMemberJson{Value: document.NewLazyDocument(schema)},
		}}}},
		System: []types.SystemContentBlock{
			&types.SystemContentBlockMemberText{Value: instructions + " " + prose("instructions"+variantSeed(v, builder.ChangeSystem), instructionWords)},
			&types.SystemContentBlockMemberText{Value: "Tenant: acme. Tier: gold."},
		},
		Messages: []types.Message{{Role: types.ConversationRoleUser, Content: []types.ContentBlock{
			&types.ContentBlockMemberText{Value: "Where is my order? " + prose("question"+variantSeed(v, builder.ChangeMessages), 20)},
		}}},
		InferenceConfig: &types.InferenceConfiguration{MaxTokens: aws.Int32(64)},
	}
}

// goodBuilder builds a request whose bytes depend only on the model and
// the variant.
func goodBuilder(m matrix.Model, v builder.Variant) (*bedrockruntime.ConverseInput, error) {
	return supportRequest(m, v, "You are the support assistant."), nil
}

// timestampBuilder returns a builder that opens the system prompt with the
// current time, the mistake of examples/timestamp-in-system.jsonl: every
// request has a new prefix. Its clock starts at a fixed time and moves one
// second a build, so that a recorded run replays byte for byte.
func timestampBuilder() builder.Func {
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	return func(m matrix.Model, v builder.Variant) (*bedrockruntime.ConverseInput, error) {
		now = now.Add(time.Second)
		return supportRequest(m, v, "Current time: "+now.Format(time.RFC3339)+". You are the support assistant."), nil
	}
}

// staticSystem is the team's own placement: one checkpoint after the first
// system block (the static instructions), so that the per-tenant block
// after it is not part of the cached prefix.
func staticSystem(b matrix.Placeable, ttl matrix.TTL) (matrix.Placement, error) {
	p := matrix.Placement{Existing: len(b.Checkpoints())}
	mb, ok := b.(interface{ MarkSystem(int, matrix.TTL) error })
	if !ok {
		return matrix.Placement{}, fmt.Errorf("STATIC_SYSTEM: a %T body cannot take a checkpoint inside the system layer", b)
	}
	if err := mb.MarkSystem(0, ttl); err != nil {
		return matrix.Placement{}, err
	}
	p.Placed = b.Checkpoints()[p.Existing:]
	return p, nil
}

// shortBuilder returns a builder whose static instructions are a few dozen
// words: a checkpoint after them is under every model's minimum, the
// mistake of examples/under-minimum.jsonl.
func shortBuilder(m matrix.Model, v builder.Variant) (*bedrockruntime.ConverseInput, error) {
	in := supportRequest(m, v, "You are the support assistant.")
	in.System[0] = &types.SystemContentBlockMemberText{Value: "You are the support assistant. " + prose("short"+variantSeed(v, builder.ChangeSystem), 40)}
	return in, nil
}
