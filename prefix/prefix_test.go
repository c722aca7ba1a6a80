package prefix_test

import (
	"encoding/json"
	"testing"

	"github.com/cachecascade/cachecascade/prefix"
)

func TestLayers(t *testing.T) {
	if !prefix.Tools.Before(prefix.System) || !prefix.System.Before(prefix.Messages) || prefix.Messages.Before(prefix.Tools) {
		t.Error("the layers are not in tools → system → messages order")
	}
	for _, l := range prefix.Layers {
		got, err := prefix.Parse(l.String())
		if err != nil || got != l {
			t.Errorf("Parse(%q) = %v, %v", l, got, err)
		}
	}
	if _, err := prefix.Parse("tool"); err == nil {
		t.Error("Parse accepted an unknown name")
	}
	if s := prefix.Layer(7).String(); s != "Layer(7)" {
		t.Errorf("String of an unknown layer = %q", s)
	}
}

func TestLayerJSON(t *testing.T) {
	b, err := json.Marshal([]prefix.Layer{prefix.System, prefix.Messages})
	if err != nil || string(b) != `["system","messages"]` {
		t.Fatalf("Marshal = %s, %v", b, err)
	}
	var back []prefix.Layer
	if err := json.Unmarshal(b, &back); err != nil || len(back) != 2 || back[1] != prefix.Messages {
		t.Errorf("Unmarshal = %v, %v", back, err)
	}
	if err := json.Unmarshal([]byte(`["history"]`), &back); err == nil {
		t.Error("Unmarshal accepted an unknown layer")
	}
	if _, err := json.Marshal(prefix.Layer(-1)); err == nil {
		t.Error("Marshal accepted an unknown layer")
	}
}
