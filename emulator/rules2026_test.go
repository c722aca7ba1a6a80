package emulator

import (
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"
)

// The models of the 2026 rules' tests: Opus 4.6, the last model of the
// legacy integration, and Opus 4.7, the first of the current one.
const (
	opus46 = "us.anthropic.claude-opus-4-6-v1"
	opus47 = "us.anthropic.claude-opus-4-7"
)

// The exact texts the 2026 rules answer with.
const (
	textAutomaticLegacy = "The model returned the following errors: cache_control: Extra inputs are not permitted"
	textSDKVersion      = `Malformed input request: #/anthropic_version: "2026-10-21" is not a valid enum value, please reformat your input and try again.`
)

// wantValidation checks that err is a 400 the SDK decodes as a
// *types.ValidationException with message msg, or, for msg "", that there
// is no error.
func wantValidation(t *testing.T, err error, msg string) {
	t.Helper()
	if msg == "" {
		if err != nil {
			t.Fatalf("want success, got %v", err)
		}
		return
	}
	var ve *types.ValidationException
	if !errors.As(err, &ve) {
		t.Fatalf("want *types.ValidationException %q, got %T: %v", msg, err, err)
	}
	if ve.ErrorMessage() != msg {
		t.Errorf("message:\n got %q\nwant %q", ve.ErrorMessage(), msg)
	}
	var re *awshttp.ResponseError
	if !errors.As(err, &re) || re.HTTPStatusCode() != 400 {
		t.Errorf("status: got %v, want 400", err)
	}
}

// doc is a Converse document block of format f.
func doc(f types.DocumentFormat) types.ContentBlock {
	return &types.ContentBlockMemberDocument{Value: types.DocumentBlock{Format: f, Name: aws.String("notes"),
		Source: &types.DocumentSourceMemberBytes{Value: []byte("some notes")}}}
}

// reasoningBlock is a Converse reasoning block.
func reasoningBlock() types.ContentBlock {
	return &types.ContentBlockMemberReasoningContent{Value: &types.ReasoningContentBlockMemberReasoningText{
		Value: types.ReasoningTextBlock{Text: aws.String("thinking"), Signature: aws.String("sig")}}}
}

// TestRules2026ThroughConverse sends the 2026 field reports through the
// SDK's Converse: a checkpoint right after a non-PDF document (Claude
// only), and one after an earlier assistant turn's reasoning block.
func TestRules2026ThroughConverse(t *testing.T) {
	h := startHarness(t, Options{})
	big := txt("big", 1100)
	for _, tc := range []struct {
		name  string
		model string
		msgs  []types.Message
		want  string
	}{
		{"checkpoint after a text document", sonnet45, msgs(user(text(big), text("read this"), doc(types.DocumentFormatTxt), cp())),
			"The model returned the following errors: messages.0.content.3.type: Field required"},
		{"the index counts no earlier checkpoint", sonnet45, msgs(user(text("q")), assistant(text("a")), user(text(big), cp(), doc(types.DocumentFormatMd), cp())),
			"The model returned the following errors: messages.2.content.2.type: Field required"},
		{"checkpoint after a PDF", sonnet45, msgs(user(text(big), doc(types.DocumentFormatPdf), cp())), ""},
		{"checkpoint after the text after a document", sonnet45, msgs(user(doc(types.DocumentFormatCsv), text(big), cp())), ""},
		{"Nova: checkpoint after a text document", novaLite, msgs(user(text(big), doc(types.DocumentFormatTxt), cp())), ""},
		{"checkpoint after an earlier turn's reasoning", sonnet45, msgs(user(text(big)), assistant(reasoningBlock(), text("a")), user(text("q"), cp())), msgAfterReasoning},
		{"Nova: checkpoint after an earlier turn's reasoning", novaLite, msgs(user(text(big)), assistant(reasoningBlock(), text("a")), user(text("q"), cp())), msgAfterReasoning},
		{"checkpoint before the reasoning turn", sonnet45, msgs(user(text(big), cp()), assistant(reasoningBlock(), text("a")), user(text("q"))), ""},
		{"reasoning earlier in the checkpoint's own turn", sonnet45, msgs(user(text(big)), assistant(reasoningBlock(), text("a"), cp())), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := call(t, h.c, &bedrockruntime.ConverseInput{ModelId: aws.String(tc.model), Messages: tc.msgs})
			wantValidation(t, err, tc.want)
		})
	}
}

// anthropicBody is an Anthropic Messages body with version v, one system
// block of the given size and one user message of blocks.
func anthropicBody(v string, systemTokens int, blocks ...any) map[string]any {
	return map[string]any{"anthropic_version": v, "max_tokens": 16,
		"system":   []any{anthropicText(txt("system", systemTokens), nil)},
		"messages": []any{map[string]any{"role": "user", "content": blocks}}}
}

// automatic is anthropicBody with a top-level cache_control of ttl.
func automatic(ttl string, systemTokens int, blocks ...any) map[string]any {
	b := anthropicBody(anthropicVersion, systemTokens, blocks...)
	b["cache_control"] = cc(ttl)
	return b
}

// anthropicDoc is an Anthropic document block of media type mt, marked.
func anthropicDoc(mt string, mark map[string]any) map[string]any {
	src := map[string]any{"type": "text", "media_type": mt, "data": "some notes"}
	if mt == "application/pdf" {
		src = map[string]any{"type": "base64", "media_type": mt, "data": "JVBERi0xLjQK"}
	}
	b := map[string]any{"type": "document", "source": src}
	if mark != nil {
		b["cache_control"] = mark
	}
	return b
}

// TestRules2026ThroughInvokeModel sends the 2026 rules of the Anthropic
// body through the SDK's InvokeModel: automatic caching and
// anthropic_version by integration, and the document rule.
func TestRules2026ThroughInvokeModel(t *testing.T) {
	h := startHarness(t, Options{})
	hi := anthropicText("hi", nil)
	four := func() map[string]any {
		b := automatic("", 100, anthropicText("a", cc("")), anthropicText("b", cc("")), anthropicText("c", cc("")), anthropicText("d", cc("")))
		return b
	}
	for _, tc := range []struct {
		name, model string
		body        map[string]any
		want        string
	}{
		{"automatic caching on the current integration", opus47, automatic("", 100, hi), ""},
		{"automatic caching with ttl 1h", opus47, automatic("1h", 100, hi), ""},
		{"automatic caching on the legacy integration", opus46, automatic("", 100, hi), textAutomaticLegacy},
		{"automatic caching on a 2025 model", sonnet45, automatic("", 100, hi), textAutomaticLegacy},
		{"automatic caching counts toward the limit", opus47, four(), "A maximum of 4 blocks with cache_control may be provided. Found 5."},
		{"automatic caching with a bad type", opus47, func() map[string]any {
			b := automatic("", 100, hi)
			b["cache_control"] = map[string]any{"type": "persistent"}
			return b
		}(), "The model returned the following errors: cache_control.type: Input should be 'ephemeral'"},
		{"Bedrock's version on the legacy integration", opus46, anthropicBody(anthropicVersion, 100, hi), ""},
		{"the SDKs' version on the current integration", opus47, anthropicBody(anthropicVersionSDK, 100, hi), ""},
		{"the SDKs' version on the legacy integration", opus46, anthropicBody(anthropicVersionSDK, 100, hi), textSDKVersion},
		{"another version on the current integration", opus47, anthropicBody("2023-06-01", 100, hi),
			`Malformed input request: #/anthropic_version: "2023-06-01" is not a valid enum value, please reformat your input and try again.`},
		{"cache_control on a text document", sonnet45, anthropicBody(anthropicVersion, 100, hi, anthropicDoc("text/plain", cc(""))),
			"The model returned the following errors: messages.0.content.2.type: Field required"},
		{"cache_control on a PDF", sonnet45, anthropicBody(anthropicVersion, 100, hi, anthropicDoc("application/pdf", cc(""))), ""},
		{"automatic caching after a text document", opus47, automatic("", 100, hi, anthropicDoc("text/plain", nil)),
			"The model returned the following errors: messages.0.content.2.type: Field required"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := invoke(t, h.c, tc.model, tc.body)
			wantValidation(t, err, tc.want)
		})
	}
}

// TestAutomaticCachingCaches checks that automatic caching behaves like a
// checkpoint on the last block: a prime writes the whole prompt, a repeat
// reads it, and an explicit checkpoint on that block reads the same entry.
func TestAutomaticCachingCaches(t *testing.T) {
	h := startHarness(t, Options{})
	question := anthropicText("What does the cache hold?", nil)
	prime := mustInvoke(t, h.c, opus47, automatic("", 5000, question))
	if prime.write == 0 || prime.read != 0 || prime.write5m != prime.write {
		t.Fatalf("prime: %+v, want a five-minute write and no read", prime)
	}
	if again := mustInvoke(t, h.c, opus47, automatic("", 5000, question)); again.read != prime.write || again.write != 0 {
		t.Fatalf("repeat: %+v, want read %d and no write", again, prime.write)
	}
	explicit := anthropicBody(anthropicVersion, 5000, anthropicText("What does the cache hold?", cc("")))
	if u := mustInvoke(t, h.c, opus47, explicit); u.read != prime.write || u.write != 0 {
		t.Fatalf("explicit checkpoint on the last block: %+v, want read %d", u, prime.write)
	}
	if u := mustInvoke(t, h.c, opus47, automatic("1h", 6000, question)); u.write1h == 0 || u.write1h != u.write {
		t.Fatalf("automatic caching with ttl 1h: %+v, want a one-hour write", u)
	}
}

// TestRules2026Order checks that the legacy integration names automatic
// caching before the SDKs' version when a body has both.
func TestRules2026Order(t *testing.T) {
	h := startHarness(t, Options{})
	b := automatic("", 100, anthropicText("hi", nil))
	b["anthropic_version"] = anthropicVersionSDK
	_, err := invoke(t, h.c, opus46, b)
	wantValidation(t, err, textAutomaticLegacy)
}
