package matrix_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"
	"github.com/google/go-cmp/cmp"

	"github.com/cachecascade/cachecascade/matrix"
)

// paths lists where a request's checkpoints are.
func paths(cps []matrix.Checkpoint) []string {
	var out []string
	for _, cp := range cps {
		out = append(out, cp.Path())
	}
	return out
}

func TestStrategyPositions(t *testing.T) {
	// Two tools, two system blocks, and three messages (user, assistant,
	// user): the last user message is messages[2].
	want := map[matrix.Strategy][]string{
		matrix.None:                nil,
		matrix.SystemOnly:          {"system[2]"},
		matrix.ToolsOnly:           {"toolConfig.tools[2]"},
		matrix.SystemAndTools:      {"toolConfig.tools[2]", "system[2]"},
		matrix.ConversationHistory: {"messages[2].content[1]"},
	}
	// Placement does not depend on the model: a tools checkpoint is placed
	// on Nova too, and Validate predicts its rejection (see validate_test).
	for _, s := range matrix.Strategies {
		t.Run(string(s), func(t *testing.T) {
			in := request(2, 2, 3)
			p, err := s.Apply(in, matrix.TTLDefault)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want[s], paths(matrix.Checkpoints(in))); diff != "" {
				t.Errorf("checkpoints after Apply (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(want[s], paths(p.Placed)); diff != "" {
				t.Errorf("Placement.Placed (-want +got):\n%s", diff)
			}
		})
	}
}

func TestStrategyWithoutMaterial(t *testing.T) {
	// No tools: TOOLS_ONLY behaves like NONE and says so.
	in := request(0, 1, 1)
	p, err := matrix.ToolsOnly.Apply(in, matrix.TTLDefault)
	if err != nil || len(p.Placed) != 0 || len(matrix.Checkpoints(in)) != 0 || len(p.Skipped) != 1 {
		t.Errorf("TOOLS_ONLY without tools: placement %+v, err %v; want nothing placed and tools skipped", p, err)
	}
	// No user message: CONVERSATION_HISTORY places nothing.
	in = request(0, 1, 0)
	if p, err := matrix.ConversationHistory.Apply(in, matrix.TTLDefault); err != nil || p.Total() != 0 {
		t.Errorf("CONVERSATION_HISTORY without messages: %+v, %v", p, err)
	}
	// The checkpoint goes on the last user message even when the
	// conversation ends with the assistant.
	in = request(0, 0, 4)
	if _, err := matrix.ConversationHistory.Apply(in, matrix.TTLDefault); err != nil {
		t.Fatal(err)
	}
	if got := paths(matrix.Checkpoints(in)); !slices.Equal(got, []string{"messages[2].content[1]"}) {
		t.Errorf("checkpoint at %v, want the last user message, messages[2]", got)
	}
}

func TestStrategyCountsCallerCheckpoints(t *testing.T) {
	// The caller placed a checkpoint in the first two messages and after
	// the first system block.
	withCaller := func() *bedrockruntime.ConverseInput {
		in := request(1, 2, 3)
		in.System = slices.Insert(in.System, 1, types.SystemContentBlock(&types.SystemContentBlockMemberCachePoint{Value: cachePoint()}))
		for i := range 2 {
			in.Messages[i].Content = append(in.Messages[i].Content, &types.ContentBlockMemberCachePoint{Value: cachePoint()})
		}
		return in
	}
	in := withCaller()
	p, err := matrix.ToolsOnly.Apply(in, matrix.TTLDefault)
	if err != nil || p.Existing != 3 || p.Total() != 4 {
		t.Fatalf("3 caller checkpoints + TOOLS_ONLY: %+v, %v; want 4 in all", p, err)
	}

	in = withCaller()
	before := paths(matrix.Checkpoints(in))
	_, err = matrix.SystemAndTools.Apply(in, matrix.TTLDefault)
	var tooMany *matrix.TooManyCheckpointsError
	if !errors.As(err, &tooMany) || tooMany.Existing != 3 || tooMany.Adding != 2 {
		t.Fatalf("3 caller checkpoints + SYSTEM_AND_TOOLS: err %v, want *TooManyCheckpointsError{3, 2}", err)
	}
	if after := paths(matrix.Checkpoints(in)); !slices.Equal(before, after) {
		t.Errorf("a refused Apply changed the request: %v → %v", before, after)
	}

	// A layer that already ends in a checkpoint gets no second one.
	in = request(1, 1, 1)
	in.System = append(in.System, &types.SystemContentBlockMemberCachePoint{Value: cachePoint()})
	p, err = matrix.SystemAndTools.Apply(in, matrix.TTLDefault)
	if err != nil || p.Existing != 1 || len(p.Placed) != 1 || p.Placed[0].Path() != "toolConfig.tools[1]" {
		t.Errorf("SYSTEM_AND_TOOLS over a system checkpoint: %+v, %v; want only the tools checkpoint added", p, err)
	}
	// Applying twice is idempotent.
	if p, err := matrix.SystemAndTools.Apply(in, matrix.TTLDefault); err != nil || len(p.Placed) != 0 {
		t.Errorf("second Apply placed %v, %v", p.Placed, err)
	}
}

func TestStrategyTTL(t *testing.T) {
	if !matrix.TTLSupported {
		t.Skip("built for an SDK without CachePointBlock.Ttl")
	}
	in := request(1, 1, 1)
	if _, err := matrix.SystemAndTools.Apply(in, matrix.TTLOneHour); err != nil {
		t.Fatal(err)
	}
	for _, cp := range matrix.Checkpoints(in) {
		if cp.TTL != matrix.TTLOneHour {
			t.Errorf("%s: ttl %q, want 1h", cp.Path(), cp.TTL)
		}
	}
	cp := in.System[1].(*types.SystemContentBlockMemberCachePoint)
	if cp.Value.Ttl != types.CacheTTLOneHour || cp.Value.Type != types.CachePointTypeDefault {
		t.Errorf("system checkpoint block = %+v, want type default, ttl 1h", cp.Value)
	}
}

func TestParseStrategy(t *testing.T) {
	for in, want := range map[string]matrix.Strategy{
		"NONE": matrix.None, "system_only": matrix.SystemOnly, "tools-only": matrix.ToolsOnly,
		"System_And_Tools": matrix.SystemAndTools, "conversation_history": matrix.ConversationHistory,
	} {
		if got, err := matrix.ParseStrategy(in); err != nil || got != want {
			t.Errorf("ParseStrategy(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := matrix.ParseStrategy("EVERYTHING"); err == nil {
		t.Error("ParseStrategy accepted an unknown name")
	}
	if _, err := matrix.Strategy("EVERYTHING").Apply(request(1, 1, 1), ""); err == nil {
		t.Error("Apply accepted an unknown strategy")
	}
	if _, err := matrix.SystemOnly.Apply(nil, ""); err == nil {
		t.Error("Apply accepted a nil request")
	}
}
