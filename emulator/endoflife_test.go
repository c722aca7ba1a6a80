package emulator

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrock"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"
)

// TestServeEndOfLife: an end-of-life model answers 404
// ResourceNotFoundException by default and, under ServeEndOfLife, answers
// 200 as before its end of life, by base ID and profile, through Converse
// and InvokeModel, with its table entry's minimum (Claude 3.5 Haiku 2048
// tokens, Claude 3.7 Sonnet 1024), and its profiles are listed again.
func TestServeEndOfLife(t *testing.T) {
	const haiku, sonnet37 = "anthropic.claude-3-5-haiku-20241022-v1:0", "anthropic.claude-3-7-sonnet-20250219-v1:0"
	body := map[string]any{"anthropic_version": "bedrock-2023-05-31", "max_tokens": 8,
		"messages": []any{map[string]any{"role": "user", "content": "hello"}}}
	for _, serve := range []bool{false, true} {
		t.Run(fmt.Sprintf("ServeEndOfLife=%t", serve), func(t *testing.T) {
			h := startHarness(t, Options{ServeEndOfLife: serve})
			for _, id := range []string{haiku, "us." + haiku, sonnet37, "us." + sonnet37} {
				_, cerr := call(t, h.c, &bedrockruntime.ConverseInput{ModelId: aws.String(id), Messages: msgs(user(text("hello")))})
				_, ierr := invoke(t, h.c, id, body)
				for api, err := range map[string]error{"Converse": cerr, "InvokeModel": ierr} {
					var nf *types.ResourceNotFoundException
					switch {
					case !serve && (!errors.As(err, &nf) || !strings.Contains(nf.ErrorMessage(), "end of its life")):
						t.Errorf("%s %s: %v, want a ResourceNotFoundException (end of life)", api, id, err)
					case serve && err != nil:
						t.Errorf("%s %s: %v, want it served", api, id, err)
					}
				}
			}
			srv, err := Start(Options{ServeEndOfLife: serve})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { srv.Close() })
			all, _ := pageAllProfiles(t, controlClient(srv.URL()), &bedrock.ListInferenceProfilesInput{})
			listed := false
			for _, s := range all {
				listed = listed || aws.ToString(s.InferenceProfileId) == "us."+haiku
			}
			if listed != serve {
				t.Errorf("us.%s listed: %t, want %t", haiku, listed, serve)
			}
		})
	}
	// The minimums of the table entries: 1500 tokens is enough for Claude
	// 3.7 Sonnet, not for Claude 3.5 Haiku; 2500 is for both.
	h := startHarness(t, Options{ServeEndOfLife: true})
	for _, tc := range []struct {
		id     string
		tokens int
		writes bool
	}{
		{haiku, 1500, false}, {haiku, 2500, true}, {sonnet37, 1500, true},
	} {
		u, err := call(t, h.c, &bedrockruntime.ConverseInput{ModelId: aws.String("us." + tc.id),
			System:   []types.SystemContentBlock{sysText(txt(fmt.Sprintf("eol-%s-%d", tc.id, tc.tokens), tc.tokens)), sysCP()},
			Messages: msgs(user(text("hello")))})
		if err != nil {
			t.Fatalf("%s, %d tokens: %v", tc.id, tc.tokens, err)
		}
		if wrote := aws.ToInt32(u.CacheWriteInputTokens) > 0; wrote != tc.writes {
			t.Errorf("%s, %d tokens: wrote %d tokens to the cache; want a write: %t", tc.id, tc.tokens, aws.ToInt32(u.CacheWriteInputTokens), tc.writes)
		}
	}
}
