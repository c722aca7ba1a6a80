package forecast_test

import (
	"strings"
	"testing"

	"github.com/cachecascade/cachecascade/forecast"
)

// TestMissNamesTheChangeKind checks that a miss says which kind of change
// caused it, between which requests, and what that kind invalidates on
// the model's family.
func TestMissNamesTheChangeKind(t *testing.T) {
	sys := prose("kind", 1500)
	for _, tc := range []struct {
		name, model string
		a, b        forecast.Request
		want        string
	}{
		{"toolChoice on Claude", sonnet,
			forecast.Request{ModelID: sonnet, Body: converse(sys, `{"auto":{}}`, "q")}, forecast.Request{ModelID: sonnet, Body: converse(sys, `{"any":{}}`, "q")},
			"toolChoice changed between log:1 and log:2: invalidates messages on claude"},
		{"toolChoice on Nova", nova,
			forecast.Request{ModelID: nova, Body: converse(sys, `{"auto":{}}`, "q")}, forecast.Request{ModelID: nova, Body: converse(sys, `{"any":{}}`, "q")},
			"toolChoice changed between log:1 and log:2: invalidates everything on nova"},
		{"system text", sonnet,
			forecast.Request{ModelID: sonnet, Body: converse(sys, "", "q")}, forecast.Request{ModelID: sonnet, Body: converse(prose("other", 1500), "", "q")},
			"system text changed between log:1 and log:2: invalidates system and messages on claude"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep := check(t, tc.a, tc.b)
			var msgs []string
			for _, f := range rep.Findings {
				msgs = append(msgs, f.Message)
			}
			if !strings.Contains(strings.Join(msgs, "\n"), tc.want) {
				t.Errorf("findings %q: want one saying %q", msgs, tc.want)
			}
		})
	}
}
