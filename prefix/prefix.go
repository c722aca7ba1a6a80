// Package prefix names the three layers of a Bedrock prompt prefix in the
// order the service reads them: tools, then system, then messages.
//
// A prompt-cache entry is a prefix of that sequence ending at a checkpoint,
// so a change in one layer invalidates every entry at or after it. The
// strategies, the fixtures, the oracle and the reports all speak of layers
// through this package so that the order is written down once.
package prefix

import "fmt"

// Layer is one section of the prompt prefix. Its integer value is its
// position in the order the service reads the prefix.
type Layer int

const (
	// Tools is the toolConfig.tools list, read first.
	Tools Layer = iota
	// System is the list of system content blocks, read second.
	System
	// Messages is the conversation, read last.
	Messages
)

// Layers lists every layer in prefix order.
var Layers = []Layer{Tools, System, Messages}

// String returns the layer's lower-case name as it appears in labels,
// reports and the catalog ("tools", "system", "messages").
func (l Layer) String() string {
	switch l {
	case Tools:
		return "tools"
	case System:
		return "system"
	case Messages:
		return "messages"
	}
	return fmt.Sprintf("Layer(%d)", int(l))
}

// Parse returns the layer with the given name, as String writes it.
func Parse(name string) (Layer, error) {
	for _, l := range Layers {
		if l.String() == name {
			return l, nil
		}
	}
	return 0, fmt.Errorf("prefix: unknown layer %q (want one of tools, system, messages)", name)
}

// Before reports whether l is read before other in the prefix.
func (l Layer) Before(other Layer) bool { return l < other }

// MarshalText writes the layer's name, so layers read well in JSON.
func (l Layer) MarshalText() ([]byte, error) {
	if l < Tools || l > Messages {
		return nil, fmt.Errorf("prefix: cannot marshal %v", l)
	}
	return []byte(l.String()), nil
}

// UnmarshalText parses a layer's name.
func (l *Layer) UnmarshalText(b []byte) error {
	v, err := Parse(string(b))
	if err != nil {
		return err
	}
	*l = v
	return nil
}
