package emulator

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// notInReference leaves out of the comparisons with the reference decoders
// (reference_test.go) what they predate: the parts that are not prompt
// (metadata, inference) and the image mark, which TestChangeScopes checks
// through the cache.
var notInReference = cmp.Options{cmpopts.IgnoreFields(request{}, "metadata", "inference"), cmpopts.IgnoreFields(block{}, "image")}

// changeInput is a request with tools, a system checkpoint and a message
// checkpoint; change edits it before the checkpoints' layers are final.
func changeInput(model string, change func(*bedrockruntime.ConverseInput)) *bedrockruntime.ConverseInput {
	in := &bedrockruntime.ConverseInput{ModelId: aws.String(model),
		ToolConfig:      &types.ToolConfiguration{Tools: []types.Tool{tool("get_weather", "Weather lookup"), tool("get_time", "Time lookup")}, ToolChoice: &types.ToolChoiceMemberAuto{}},
		System:          []types.SystemContentBlock{sysText(txt("sys", 1500)), sysCP()},
		Messages:        []types.Message{user(text(txt("question", 200)), cp())},
		InferenceConfig: &types.InferenceConfiguration{MaxTokens: aws.Int32(16), Temperature: aws.Float32(0)},
	}
	if change != nil {
		change(in)
	}
	return in
}

// prepend puts a block first in the user turn.
func prepend(b types.ContentBlock) func(*bedrockruntime.ConverseInput) {
	return func(in *bedrockruntime.ConverseInput) {
		in.Messages[0].Content = append([]types.ContentBlock{b}, in.Messages[0].Content...)
	}
}

// The changes the table speaks of, on Converse.
var (
	changeToolChoice = func(in *bedrockruntime.ConverseInput) { in.ToolConfig.ToolChoice = &types.ToolChoiceMemberAny{} }
	changeImage      = prepend(&types.ContentBlockMemberImage{Value: types.ImageBlock{Format: types.ImageFormatPng, Source: &types.ImageSourceMemberBytes{Value: []byte("\x89PNG fake")}}})
	changeDocument   = prepend(&types.ContentBlockMemberDocument{Value: types.DocumentBlock{Format: types.DocumentFormatPdf, Name: aws.String("d"), Source: &types.DocumentSourceMemberBytes{Value: []byte("%PDF-1.4 fake")}}})
	changeMetadata   = func(in *bedrockruntime.ConverseInput) { in.RequestMetadata = map[string]string{"team": "a"} }
	changeInference  = func(in *bedrockruntime.ConverseInput) { in.InferenceConfig.Temperature = aws.Float32(0.5) }
	changeToolOrder  = func(in *bedrockruntime.ConverseInput) {
		t := in.ToolConfig.Tools
		t[0], t[1] = t[1], t[0]
	}
)

// TestChangeScopes checks the emulator's table (partScopes) and each of
// its faults: after a prime, which of the system and messages checkpoints
// a change keeps (kept: 2 both, 1 system only, 0 none).
func TestChangeScopes(t *testing.T) {
	for _, tc := range []struct {
		name, fault, model string
		change             func(*bedrockruntime.ConverseInput)
		kept               int
	}{
		{"toolChoice on Claude", "", sonnet45, changeToolChoice, 1},
		{"toolChoice on Nova", "", novaLite, changeToolChoice, 0},
		{"toolChoice on Claude, fault", FaultToolChoiceInvalidatesAll, sonnet45, changeToolChoice, 0},
		{"image", "", sonnet45, changeImage, 1},
		{"image, fault", FaultImagesIgnored, sonnet45, changeImage, 2},
		{"document", "", sonnet45, changeDocument, 1},
		{"document, fault", FaultDocumentsIgnored, sonnet45, changeDocument, 2},
		{"metadata", "", sonnet45, changeMetadata, 2},
		{"metadata, fault", FaultMetadataInvalidates, sonnet45, changeMetadata, 0},
		{"inference", "", novaLite, changeInference, 2},
		{"inference, fault", FaultInferenceInvalidates, novaLite, changeInference, 0},
		{"tool order", "", sonnet45, changeToolOrder, 0},
		{"tool order, fault", FaultToolOrderIgnored, sonnet45, changeToolOrder, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var opts Options
			if tc.fault != "" {
				opts.Profiles = []string{tc.fault}
			}
			h := startHarness(t, opts)
			prime := mustCall(t, h.c, changeInput(tc.model, nil))
			u := mustCall(t, h.c, changeInput(tc.model, tc.change))
			read, wrote := i32(u.CacheReadInputTokens), i32(prime.CacheWriteInputTokens)
			kept := 1
			switch {
			case read == 0:
				kept = 0
			case read >= wrote:
				kept = 2
			}
			if kept != tc.kept {
				t.Errorf("after the change %s (prime %s): %d checkpoints kept, want %d", usageString(u), usageString(prime), kept, tc.kept)
			}
		})
	}
}

// kept returns how many of a changed call's two checkpoints kept their
// entries, judged from its read against the prime's write, or the error.
func kept(t *testing.T, h *harness, model string, change func(*bedrockruntime.ConverseInput)) string {
	prime, err := call(t, h.c, changeInput(model, nil))
	if err != nil {
		return "error:" + apiCode(err)
	}
	u, err := call(t, h.c, changeInput(model, change))
	if err != nil {
		return "error:" + apiCode(err)
	}
	switch read := i32(u.CacheReadInputTokens); {
	case read == 0:
		return "kept 0"
	case read >= i32(prime.CacheWriteInputTokens):
		return "kept 2"
	}
	return "kept 1"
}

// changeScenarios are TestFaultProfiles' scenarios of the table's faults:
// each is changed by its fault alone.
func changeScenarios() []scenario {
	sc := func(name, fault, model string, change func(*bedrockruntime.ConverseInput)) scenario {
		return scenario{name, []string{fault}, func(t *testing.T, h *harness) string { return kept(t, h, model, change) }}
	}
	return []scenario{
		sc("toolChoice change on Claude", FaultToolChoiceInvalidatesAll, sonnet45, changeToolChoice),
		sc("image added", FaultImagesIgnored, sonnet45, changeImage),
		sc("document added", FaultDocumentsIgnored, sonnet45, changeDocument),
		sc("requestMetadata set", FaultMetadataInvalidates, sonnet45, changeMetadata),
		sc("temperature changed", FaultInferenceInvalidates, novaLite, changeInference),
		// A broken cascade keeps the later layers across any tools
		// change, a reordering too.
		{"tools reordered", []string{FaultToolOrderIgnored, FaultNoCascade}, func(t *testing.T, h *harness) string { return kept(t, h, sonnet45, changeToolOrder) }},
	}
}
