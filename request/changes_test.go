package request_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/cachecascade/cachecascade/fixtures"
	"github.com/cachecascade/cachecascade/invoke"
	"github.com/cachecascade/cachecascade/matrix"
)

// TestChangesOnEveryBody checks that each change the changes specs make
// reaches the bytes of every body that can carry it, and that the others
// say they cannot (invoke.ErrNotExpressible).
func TestChangesOnEveryBody(t *testing.T) {
	png := fixtures.PNG("t")
	for _, tc := range []struct {
		model string
		api   matrix.API
		want  []string
	}{
		{"claude-sonnet-4-5", matrix.Converse, []string{`"toolChoice":{"tool":{"name":"x_tool"}}`, `"image":{"format":"png"`, `"thinking":{"budget_tokens":1024,"type":"enabled"}`, `"requestMetadata":{"cachecascade":"m"}`, `"maxTokens":1088`}},
		{"claude-sonnet-4-5", matrix.Invoke, []string{`"tool_choice":{"type":"tool","name":"x_tool"}`, `"type":"image","source":{"type":"base64","media_type":"image/png"`, `"thinking":{"type":"enabled","budget_tokens":1024}`, `"metadata":{"user_id":"m"}`, `"max_tokens":1088`}},
		{"nova-lite", matrix.Invoke, []string{`"toolChoice":{"tool":{"name":"x_tool"}}`, `"image":{"format":"png","source":{"bytes":`}},
	} {
		t.Run(tc.model+" via "+string(tc.api), func(t *testing.T) {
			s := set("changes")
			s.Tools = []fixtures.Tool{{Name: "x_tool", Description: "d", Params: []fixtures.Param{{Name: "a", Type: "string", Description: "a"}}}}
			r := build(t, matrix.Default().Must(tc.model), tc.api, s)
			if err := r.SetToolChoice("tool", "x_tool"); err != nil {
				t.Fatal(err)
			}
			if err := r.AddImage(r.LastMessage(), png); err != nil {
				t.Fatal(err)
			}
			nova := strings.HasPrefix(tc.model, "nova")
			for name, err := range map[string]error{"thinking": r.SetThinking(1024), "metadata": r.SetMetadata("m")} {
				if nova != errors.Is(err, invoke.ErrNotExpressible) {
					t.Errorf("%s: %v", name, err)
				}
			}
			w, err := r.Wire(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range tc.want {
				if !strings.Contains(string(w), want) {
					t.Errorf("no %s in %s", want, w)
				}
			}
			if err := r.SetToolChoice("some", ""); err == nil {
				t.Error("an unknown tool choice was taken")
			}
		})
	}
}
