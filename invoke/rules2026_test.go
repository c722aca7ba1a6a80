package invoke

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/cachecascade/cachecascade/matrix"
	"github.com/cachecascade/cachecascade/prefix"
)

// current is sonnet45 as a model of the current integration, so that the
// tests do not depend on which catalog entries are current.
func current() matrix.Model {
	m := sonnet45
	m.Key, m.AutomaticCaching = "current", true
	return m
}

// TestAutomaticCachingRoundTrip checks that Automatic writes one top-level
// cache_control, that it reads back as a checkpoint on the last block of
// the prompt, listed last, and that it is predicted accepted on a current
// model, rejected on the legacy integration and counted toward the limit.
func TestAutomaticCachingRoundTrip(t *testing.T) {
	b := build(t, sonnet45).(*Anthropic)
	b.Automatic(matrix.TTLOneHour)
	raw, err := b.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	var back Anthropic
	if err := json.Unmarshal(raw, &back); err != nil {
		t.Fatal(err)
	}
	if back.CacheControl == nil || *back.CacheControl != (CacheControl{Type: "ephemeral", TTL: "1h"}) {
		t.Fatalf("top-level cache_control did not round-trip: %s", raw)
	}
	cps := back.Checkpoints()
	want := matrix.Checkpoint{Layer: prefix.Messages, Message: 2, Index: 0, Preceding: 1, Automatic: true, TTL: matrix.TTLOneHour}
	if len(cps) != 1 || cps[0] != want {
		t.Fatalf("checkpoints %+v, want [%+v]", cps, want)
	}
	if rs := Validate(current(), &back); len(rs) != 0 {
		t.Errorf("a current model: %v, want acceptance", rs)
	}
	if rs := Validate(sonnet45, &back); len(rs) != 1 || rs[0].Rule != matrix.RuleAutomaticCaching || rs[0].Where() != "cache_control" {
		t.Errorf("the legacy integration: %v, want one %s", rs, matrix.RuleAutomaticCaching)
	}
	// The automatic breakpoint counts toward the four: two by a strategy
	// and one by hand make four, a strategy places no fifth, and a fifth
	// by hand is predicted rejected.
	if _, err := matrix.SystemAndTools.Place(&back, matrix.TTLOneHour); err != nil {
		t.Fatal(err)
	}
	if err := back.MarkMessage(0, matrix.TTLOneHour); err != nil {
		t.Fatal(err)
	}
	if rs := Validate(current(), &back); len(rs) != 0 {
		t.Errorf("three explicit and the automatic one: %v", rs)
	}
	var tooMany *matrix.TooManyCheckpointsError
	if _, err := matrix.ConversationHistory.Place(&back, matrix.TTLOneHour); !errors.As(err, &tooMany) {
		t.Errorf("a strategy placed a fifth checkpoint: %v", err)
	}
	if err := back.MarkMessage(2, matrix.TTLOneHour); err != nil {
		t.Fatal(err)
	}
	rs := Validate(current(), &back)
	if len(rs) != 1 || rs[0].Message != "A maximum of 4 blocks with cache_control may be provided. Found 5." {
		t.Errorf("four explicit and the automatic one: %v", rs)
	}
}

// TestAnthropicVersionRoundTrip checks that the version set on the body is
// the one sent and the one judged.
func TestAnthropicVersionRoundTrip(t *testing.T) {
	b := build(t, sonnet45).(*Anthropic)
	if b.Envelope().AnthropicVersion != matrix.AnthropicVersionBedrock || len(Validate(sonnet45, b)) != 0 {
		t.Fatalf("a new body: %+v, %v", b.Envelope(), Validate(sonnet45, b))
	}
	b.AnthropicVersion = matrix.AnthropicVersionSDK
	raw, _ := b.Marshal()
	var back Anthropic
	if err := json.Unmarshal(raw, &back); err != nil || back.AnthropicVersion != "2026-10-21" {
		t.Fatalf("version did not round-trip: %s, %v", raw, err)
	}
	if rs := Validate(current(), &back); len(rs) != 0 {
		t.Errorf("a current model: %v", rs)
	}
	rs := Validate(sonnet45, &back)
	if len(rs) != 1 || rs[0].Rule != matrix.RuleAnthropicVersion || rs[0].Where() != "anthropic_version" || rs[0].Status != 400 {
		t.Errorf("the legacy integration: %v", rs)
	}
	if (&Nova{}).Envelope() != (matrix.Envelope{}) {
		t.Error("a Nova body has an envelope")
	}
}

// TestAnthropicDocumentRoundTrip checks document blocks: a text document
// closed by cache_control is predicted as the checkpoint after a non-PDF
// document, named as a Converse request with the same content is; a PDF is
// fine; other formats cannot be expressed.
func TestAnthropicDocumentRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		format, mediaType, sourceType string
		rule                          matrix.Rule
	}{
		{"txt", "text/plain", "text", matrix.RuleDocumentCheckpoint},
		{"pdf", "application/pdf", "base64", ""},
	} {
		b := build(t, sonnet45).(*Anthropic)
		if err := b.AddDocument(0, tc.format, "notes"); err != nil {
			t.Fatal(err)
		}
		if err := b.MarkMessage(0, ""); err != nil {
			t.Fatal(err)
		}
		raw, _ := b.Marshal()
		var back Anthropic
		if err := json.Unmarshal(raw, &back); err != nil {
			t.Fatal(err)
		}
		doc := back.Messages[0].Content[1]
		if doc.Type != "document" || doc.Text != "" || doc.Source == nil || doc.Source.MediaType != tc.mediaType || doc.Source.Type != tc.sourceType || doc.CacheControl == nil {
			t.Fatalf("%s document did not round-trip: %s", tc.format, raw)
		}
		cps := back.Checkpoints()
		if len(cps) != 1 || cps[0].AfterDocument != tc.format || cps[0].Preceding != 2 {
			t.Fatalf("%s: checkpoints %+v", tc.format, cps)
		}
		rs := Validate(sonnet45, &back)
		switch {
		case tc.rule == "" && len(rs) != 0:
			t.Errorf("%s: %v, want acceptance", tc.format, rs)
		case tc.rule != "" && (len(rs) != 1 || rs[0].Rule != tc.rule || rs[0].Message != "The model returned the following errors: messages.0.content.2.type: Field required"):
			t.Errorf("%s: %v, want one %s", tc.format, rs, tc.rule)
		}
	}
	b := build(t, sonnet45).(*Anthropic)
	if err := b.AddDocument(0, "csv", "a,b"); !errors.Is(err, ErrNotExpressible) {
		t.Errorf("a csv document: %v, want ErrNotExpressible", err)
	}
	if err := b.AddDocument(7, "txt", "x"); err == nil {
		t.Error("AddDocument(7) on a three-message body found a message")
	}
}
