package sdkcheck

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"

	"github.com/cachecascade/cachecascade/recorder"
	"github.com/cachecascade/cachecascade/wire"
)

// FieldSummary is one JSON path that differs, with how often.
type FieldSummary struct {
	// Path is the path normalized: array indices written [*] and JSON
	// Schema property names *, so that the same field of every tool,
	// message or schema property counts once.
	Path string `json:"path"`
	// Kind is "value", "key order" or "encoding".
	Kind string `json:"kind"`
	// PromptBearing and CacheAffecting are as wire.Field says.
	PromptBearing  bool   `json:"promptBearing"`
	CacheAffecting bool   `json:"cacheAffecting"`
	Layer          string `json:"layer,omitempty"`
	// Count is how many requests (or varying bodies) showed it.
	Count int `json:"count"`
	// Example is one side-by-side value for a value difference.
	Example string `json:"example,omitempty"`
}

// String renders the summary on one line.
func (f FieldSummary) String() string {
	s := fmt.Sprintf("`%s` %s", f.Path, f.Kind)
	switch {
	case f.CacheAffecting && f.PromptBearing:
		s += " (prompt-bearing, cache-affecting from " + f.Layer + ")"
	case f.CacheAffecting:
		s += " (cache-affecting from " + f.Layer + ")"
	default:
		s += " (not cache-affecting)"
	}
	if f.Count > 1 {
		s += fmt.Sprintf(" ×%d", f.Count)
	}
	return s
}

var (
	index      = regexp.MustCompile(`\[[+-]?\d+\]`)
	schemaProp = regexp.MustCompile(`\.properties\.[^.\[]+`)
)

// normalize writes array indices as [*] and the member names under a JSON
// Schema's properties as *, so that the same field of every tool, message
// or schema property counts once.
func normalize(path string) string {
	return schemaProp.ReplaceAllString(index.ReplaceAllString(path, "[*]"), ".properties.*")
}

// addFields merges wire fields into a summary list, keyed by normalized
// path and kind.
func addFields(list []FieldSummary, fields []wire.Field) []FieldSummary {
	seen := map[string]bool{} // count each path once per request
	for _, f := range fields {
		path := normalize(f.Path)
		k := path + "\x00" + f.Kind.String()
		if seen[k] {
			continue
		}
		seen[k] = true
		i := slices.IndexFunc(list, func(s FieldSummary) bool { return s.Path == path && s.Kind == f.Kind.String() })
		if i < 0 {
			s := FieldSummary{Path: path, Kind: f.Kind.String(), PromptBearing: f.PromptBearing, CacheAffecting: f.CacheAffecting, Layer: f.Layer}
			if f.Kind == wire.Value {
				s.Example = clip(f.Old, 60) + " → " + clip(f.New, 60)
			}
			list = append(list, s)
			i = len(list) - 1
		}
		list[i].Count++
	}
	return list
}

func sortFields(list []FieldSummary) {
	slices.SortStableFunc(list, func(a, b FieldSummary) int {
		// Cache-affecting first, then by path.
		if a.CacheAffecting != b.CacheAffecting {
			if a.CacheAffecting {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Path+a.Kind, b.Path+b.Kind)
	})
}

func clip(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

// WireSummary is how the request bodies a replay run sent compare with the
// bodies recorded in the cassettes.
type WireSummary struct {
	// Requests is the number of requests compared.
	Requests int `json:"requests"`
	// Identical, Reordered and Changed count requests by wire.Change.
	Identical int `json:"identical"`
	Reordered int `json:"reordered"`
	Changed   int `json:"changed"`
	// Misses counts requests replay did not match (a semantic change the
	// replay matcher saw); Unpaired those of them with no recorded request
	// on the same route to compare with.
	Misses   int `json:"misses"`
	Unpaired int `json:"unpaired"`
	// Fields are the differing paths, cache-affecting first.
	Fields []FieldSummary `json:"fields,omitempty"`
	// Recorded is the number of recorded interactions in the cassettes;
	// NotReplayed of them were never matched by this run (specs skipped as
	// not applicable, or stopped early by a failure), in the cassettes
	// NotReplayedIn.
	Recorded      int      `json:"recorded"`
	NotReplayed   int      `json:"notReplayed"`
	NotReplayedIn []string `json:"notReplayedIn,omitempty"`
}

// CacheAffecting reports whether any differing field is cache-affecting.
func (w WireSummary) CacheAffecting() bool {
	return slices.ContainsFunc(w.Fields, func(f FieldSummary) bool { return f.CacheAffecting })
}

// PromptChanged reports whether prompt-bearing bytes changed in value (not
// merely order or escaping), or a request missed without anything to
// compare with.
func (w WireSummary) PromptChanged() bool {
	return w.Unpaired > 0 || slices.ContainsFunc(w.Fields, func(f FieldSummary) bool {
		return f.Kind == wire.Value.String() && f.CacheAffecting
	})
}

// PromptReordered reports whether prompt-bearing objects are written with
// their keys in another order than recorded: the same JSON, but another
// cache prefix, so entries written by the recording version are missed
// once after the upgrade.
func (w WireSummary) PromptReordered() bool {
	return slices.ContainsFunc(w.Fields, func(f FieldSummary) bool {
		return f.Kind == wire.KeyOrder.String() && f.CacheAffecting
	})
}

// ReadWireLog reads the JSON lines of a wire log.
func ReadWireLog(r io.Reader) ([]recorder.WireLogEntry, error) {
	var out []recorder.WireLogEntry
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 1<<20), 1<<28)
	for n := 1; sc.Scan(); n++ {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var e recorder.WireLogEntry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			return nil, fmt.Errorf("sdkcheck: wire log line %d: %w", n, err)
		}
		out = append(out, e)
	}
	return out, sc.Err()
}

// Cassettes gives the recorded request bodies of each cassette, in order,
// keyed by the cassette's path (as the wire log entries name it).
type Cassettes map[string][]string

// CompareWire compares every logged request with the recorded request
// replay paired it with (the one that answered it, or the nearest one on a
// miss) using wire.Compare, and counts the recorded interactions no
// request matched.
func CompareWire(entries []recorder.WireLogEntry, recorded Cassettes) (WireSummary, error) {
	var w WireSummary
	used := map[string]map[int]bool{}
	for _, e := range entries {
		bodies, ok := recorded[e.Cassette]
		if !ok {
			return w, fmt.Errorf("sdkcheck: the wire log names %s, which is not among the cassettes", e.Cassette)
		}
		w.Requests++
		if !e.Matched {
			w.Misses++
		}
		if e.Interaction < 0 || e.Interaction >= len(bodies) {
			w.Unpaired++
			w.Changed++
			continue
		}
		if e.Matched {
			if used[e.Cassette] == nil {
				used[e.Cassette] = map[int]bool{}
			}
			used[e.Cassette][e.Interaction] = true
		}
		c, err := wire.Compare([]byte(bodies[e.Interaction]), e.Body)
		if err != nil {
			return w, fmt.Errorf("sdkcheck: %s interaction %d: %w", e.Cassette, e.Interaction, err)
		}
		switch c.Kind {
		case wire.Identical:
			w.Identical++
		case wire.Reordered:
			w.Reordered++
		default:
			w.Changed++
		}
		w.Fields = addFields(w.Fields, c.Fields)
	}
	for _, path := range sortedKeys(recorded) {
		n := len(recorded[path])
		w.Recorded += n
		if missing := n - len(used[path]); missing > 0 {
			w.NotReplayed += missing
			w.NotReplayedIn = append(w.NotReplayedIn, path)
		}
	}
	sortFields(w.Fields)
	return w, nil
}
