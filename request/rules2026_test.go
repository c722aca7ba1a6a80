package request_test

import (
	"errors"
	"testing"

	"github.com/cachecascade/cachecascade/invoke"
	"github.com/cachecascade/cachecascade/matrix"
	"github.com/cachecascade/cachecascade/request"
)

// currentModel is claude-sonnet-4-5 as a model of the current integration,
// so that the test does not depend on which catalog entries are current.
func currentModel() matrix.Model {
	m := matrix.Default().Must("claude-sonnet-4-5")
	m.Key, m.AutomaticCaching = "current", true
	return m
}

// firstRule returns the rule and message of the first predicted rejection.
func firstRule(r *request.Request) (matrix.Rule, string) {
	if rs := r.Rejections(); len(rs) > 0 {
		return rs[0].Rule, rs[0].Message
	}
	return "", ""
}

// TestDocumentCheckpointEveryAPI holds the document rule to one meaning:
// a checkpoint right after a text document in the first message is
// predicted with the same rule and message through Converse and
// InvokeModel, and a PDF is accepted through both.
func TestDocumentCheckpointEveryAPI(t *testing.T) {
	m := matrix.Default().Must("claude-sonnet-4-5")
	for _, api := range []matrix.API{matrix.Converse, matrix.Invoke} {
		for format, want := range map[string]matrix.Rule{"txt": matrix.RuleDocumentCheckpoint, "pdf": ""} {
			r := build(t, m, api, set("document"))
			if err := r.AddDocument(0, format, "notes"); err != nil {
				t.Fatal(err)
			}
			if err := r.MarkMessage(0, matrix.TTLDefault); err != nil {
				t.Fatal(err)
			}
			rule, msg := firstRule(r)
			if rule != want || want != "" && msg != "The model returned the following errors: messages.0.content.2.type: Field required" {
				t.Errorf("%s document via %s: %s %q, want %q", format, api, rule, msg, want)
			}
		}
	}
	// Nova's native body carries document entries; the rule is Claude's.
	nova := build(t, matrix.Default().Must("nova-lite"), matrix.Invoke, set("document"))
	if err := nova.AddDocument(0, "txt", "notes"); err != nil {
		t.Fatalf("a Nova body refused a document: %v", err)
	}
	if err := nova.MarkMessage(0, matrix.TTLDefault); err != nil {
		t.Fatal(err)
	}
	if rule, _ := firstRule(nova); rule != "" {
		t.Errorf("a checkpoint after a Nova document: %s predicted, want none (the rule is Claude's)", rule)
	}
}

// TestReasoningEarlierTurn checks that a checkpoint after an assistant turn
// with reasoning is predicted rejected through Converse, and that the
// InvokeModel bodies say they cannot carry reasoning.
func TestReasoningEarlierTurn(t *testing.T) {
	m := matrix.Default().Must("claude-sonnet-4-5")
	r := build(t, m, matrix.Converse, set("reasoning"))
	if err := r.AddReasoning(0, "t", "s"); err == nil {
		t.Error("AddReasoning put reasoning in a user turn")
	}
	if err := r.AddReasoning(1, "thinking", "signature"); err != nil {
		t.Fatal(err)
	}
	if err := r.MarkMessage(2, matrix.TTLDefault); err != nil {
		t.Fatal(err)
	}
	if rule, msg := firstRule(r); rule != matrix.RuleReasoningEarlierTurn || msg != "Cache point cannot be inserted after reasoning block. Please remove the invalid cache point and try again." {
		t.Errorf("converse: %s %q", rule, msg)
	}
	if err := build(t, m, matrix.Invoke, set("reasoning")).AddReasoning(1, "t", "s"); !errors.Is(err, invoke.ErrNotExpressible) {
		t.Errorf("invoke: %v, want ErrNotExpressible", err)
	}
}

// TestAutomaticAndVersion checks the InvokeModel-only settings: automatic
// caching and anthropic_version are predicted by model, and Converse and
// Nova's body cannot carry them.
func TestAutomaticAndVersion(t *testing.T) {
	legacy := matrix.Default().Must("claude-sonnet-4-5")
	for _, tc := range []struct {
		model   matrix.Model
		set     func(*request.Request) error
		want    matrix.Rule
		setting string
	}{
		{currentModel(), func(r *request.Request) error { return r.Automatic(matrix.TTLDefault) }, "", "automatic"},
		{legacy, func(r *request.Request) error { return r.Automatic(matrix.TTLDefault) }, matrix.RuleAutomaticCaching, "automatic"},
		{currentModel(), func(r *request.Request) error { return r.SetAnthropicVersion(matrix.AnthropicVersionSDK) }, "", "version"},
		{legacy, func(r *request.Request) error { return r.SetAnthropicVersion(matrix.AnthropicVersionSDK) }, matrix.RuleAnthropicVersion, "version"},
	} {
		r := build(t, tc.model, matrix.Invoke, set("automatic"))
		if err := tc.set(r); err != nil {
			t.Fatal(err)
		}
		if rule, _ := firstRule(r); rule != tc.want {
			t.Errorf("%s on %s: %q, want %q", tc.setting, tc.model.Key, rule, tc.want)
		}
		for _, other := range []*request.Request{build(t, tc.model, matrix.Converse, set("automatic")),
			build(t, matrix.Default().Must("nova-lite"), matrix.Invoke, set("automatic"))} {
			if err := tc.set(other); !errors.Is(err, invoke.ErrNotExpressible) {
				t.Errorf("%s via %s of %s: %v, want ErrNotExpressible", tc.setting, other.API, other.Model.Key, err)
			}
		}
	}
}
