package emulator

import (
	"bytes"
	"slices"

	"github.com/cachecascade/cachecascade/prefix"
)

// The emulator's own table of where each part of a request enters the
// cached prefix, and so what a change of it invalidates. It is written
// from the documentation (shared/FACTS.md, "Invalidation"), independent
// of the oracle's table (matrix.ChangeRules), so that each checks the
// other:
//
//   - Tool definitions, system and messages are the prefix, in that order:
//     "a change invalidates its layer and all later ones".
//   - toolChoice and the additional model request fields (thinking) sit
//     between system and messages on Claude ("Anthropic's table adds:
//     tool_choice, images and thinking parameters affect only the messages
//     cache"; Sonnet 4.5 kept its reads across toolChoice changes), and
//     before the tools on Nova ("Nova Lite did not").
//   - Images and documents are blocks of the message they sit in.
//   - Inference parameters and requestMetadata are not part of the prompt.
//
// Each fault profile below moves one part to the wrong scope.

// scope is where a part of a request enters the prefix.
type scope int

// The scopes.
const (
	// scopeEverything: hashed before the tools, so a change invalidates
	// every entry.
	scopeEverything scope = iota
	// scopeMessages: hashed at the start of the messages layer.
	scopeMessages
	// scopeBlock: a block of its own where it sits.
	scopeBlock
	// scopeNone: not part of the prefix.
	scopeNone
)

// part is a part of a request the table places.
type part int

// The parts.
const (
	partToolChoice part = iota
	partModelFields
	partImage
	partDocument
	partInference
	partMetadata
)

// partScopes is the table: each part's scope on a model that places
// toolChoice in the messages layer (Claude) and on one that does not
// (Nova).
var partScopes = map[part][2]scope{
	partToolChoice:  {scopeMessages, scopeEverything},
	partModelFields: {scopeMessages, scopeEverything},
	partImage:       {scopeBlock, scopeBlock},
	partDocument:    {scopeBlock, scopeBlock},
	partInference:   {scopeNone, scopeNone},
	partMetadata:    {scopeNone, scopeNone},
}

// The fault profiles of the table, one per rule.
const (
	// FaultToolChoiceInvalidatesAll hashes toolChoice before the tools on
	// every model.
	FaultToolChoiceInvalidatesAll = "toolchoice-invalidates-all"
	// FaultImagesIgnored leaves image blocks out of the prefix's identity.
	FaultImagesIgnored = "images-ignored"
	// FaultDocumentsIgnored leaves document blocks out of the prefix's
	// identity.
	FaultDocumentsIgnored = "documents-ignored"
	// FaultMetadataInvalidates hashes requestMetadata before the tools.
	FaultMetadataInvalidates = "metadata-invalidates"
	// FaultInferenceInvalidates hashes the inference parameters before the
	// tools.
	FaultInferenceInvalidates = "inference-invalidates"
	// FaultToolOrderIgnored hashes the tools as a set, sorted, so that
	// reordering them keeps every entry.
	FaultToolOrderIgnored = "tool-order-ignored"
)

// prefixFaults are the faults computePrefix applies.
type prefixFaults struct {
	noCascade bool
	// moved gives a part another scope than the table's.
	moved map[part]scope
	// toolSet hashes the tools sorted (FaultToolOrderIgnored).
	toolSet bool
}

// prefixFaults returns the emulator's faults that computePrefix applies.
func (e *Emulator) prefixFaults() prefixFaults {
	f := prefixFaults{noCascade: e.fault(FaultNoCascade), toolSet: e.fault(FaultToolOrderIgnored)}
	for name, m := range map[string]struct {
		p part
		s scope
	}{
		FaultToolChoiceInvalidatesAll: {partToolChoice, scopeEverything},
		FaultImagesIgnored:            {partImage, scopeNone},
		FaultDocumentsIgnored:         {partDocument, scopeNone},
		FaultMetadataInvalidates:      {partMetadata, scopeEverything},
		FaultInferenceInvalidates:     {partInference, scopeEverything},
	} {
		if e.fault(name) {
			if f.moved == nil {
				f.moved = map[part]scope{}
			}
			f.moved[m.p] = m.s
		}
	}
	return f
}

// scopeOf returns part p's scope on spec under the faults.
func (f prefixFaults) scopeOf(p part, spec *modelSpec) scope {
	if s, ok := f.moved[p]; ok {
		return s
	}
	s := partScopes[p]
	if spec.toolChoiceInMessages {
		return s[0]
	}
	return s[1]
}

// fields returns the request's parts of scope s, in the table's order.
func (f prefixFaults) fields(r *request, spec *modelSpec, s scope) [][]byte {
	var out [][]byte
	for _, pv := range []struct {
		p part
		v []byte
	}{{partToolChoice, r.toolChoice}, {partModelFields, r.extraFields}, {partInference, r.inference}, {partMetadata, r.metadata}} {
		if f.scopeOf(pv.p, spec) == s {
			out = append(out, pv.v)
		}
	}
	return out
}

// hashed reports whether block b is part of the prefix's identity.
func (f prefixFaults) hashed(b block, spec *modelSpec) bool {
	switch {
	case b.image:
		return f.scopeOf(partImage, spec) != scopeNone
	case b.document != "":
		return f.scopeOf(partDocument, spec) != scopeNone
	}
	return true
}

// toolOrder returns the order in which computePrefix hashes the blocks:
// as received, or with the tools sorted by their bytes under
// FaultToolOrderIgnored.
func (f prefixFaults) toolOrder(r *request) []block {
	if !f.toolSet {
		return r.blocks
	}
	out := slices.Clone(r.blocks)
	n := 0
	for n < len(out) && out[n].layer == prefix.Tools {
		n++
	}
	slices.SortStableFunc(out[:n], func(a, b block) int { return bytes.Compare(a.raw, b.raw) })
	return out
}
