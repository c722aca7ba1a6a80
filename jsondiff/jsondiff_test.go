package jsondiff_test

import (
	"strings"
	"testing"

	"github.com/cachecascade/cachecascade/jsondiff"
)

func TestCanonical(t *testing.T) {
	a, errA := jsondiff.Canonical([]byte(`{"b": 1.50, "a": [true, null, "x<y"]}`))
	b, errB := jsondiff.Canonical([]byte(`{"a":[true,null,"x<y"],"b":1.50}`))
	if errA != nil || errB != nil || string(a) != string(b) {
		t.Fatalf("canonical forms differ: %s (%v) vs %s (%v)", a, errA, b, errB)
	}
	if want := `{"a":[true,null,"x<y"],"b":1.50}`; string(a) != want {
		t.Errorf("Canonical = %s, want %s (sorted keys, exact numbers, no HTML escaping)", a, want)
	}
	for _, bad := range []string{`{"a":1} {"b":2}`, `{"a":`, ``, `nope`} {
		if _, err := jsondiff.Canonical([]byte(bad)); err == nil {
			t.Errorf("Canonical(%q) accepted it", bad)
		}
	}
}

func TestCompare(t *testing.T) {
	ds, err := jsondiff.Compare(
		[]byte(`{"toolConfig":{"tools":[{"toolSpec":{"name":"a","inputSchema":{"json":{"required":["x","y"]}}}}]},"n":1.5}`),
		[]byte(`{"n":1.50,"toolConfig":{"tools":[{"toolSpec":{"name":"a","inputSchema":{"json":{"required":["y","x"]}}}},{"cachePoint":{"type":"default"}}]}}`))
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, d := range ds {
		paths = append(paths, d.Path)
	}
	got := strings.Join(paths, " ")
	for _, want := range []string{"n", "toolConfig.tools[0].toolSpec.inputSchema.json.required", "toolConfig.tools[+1]"} {
		if !strings.Contains(got, want) {
			t.Errorf("paths %q lack %q", got, want)
		}
	}
	if ds, _ := jsondiff.Compare([]byte(`{"a":1,"b":[1,2]}`), []byte(` {"b":[1,2], "a":1}`)); len(ds) != 0 {
		t.Errorf("reordered keys differ: %+v", ds)
	}
	if _, err := jsondiff.Compare([]byte(`{}`), []byte(`{`)); err == nil || !strings.Contains(err.Error(), "second document") {
		t.Errorf("Compare with a broken second document: %v", err)
	}
}

func TestFormatAndExcerpt(t *testing.T) {
	long := strings.Repeat("abc ", 100)
	ds := jsondiff.CompareValues(map[string]any{"s": long + "x", "k": "1"}, map[string]any{"s": long + "y", "k": "2"})
	out := jsondiff.Format(ds, "old", "new", 1)
	for _, want := range []string{`k:`, `-old: "1"`, `+new: "2"`, "... and 1 more differences"} {
		if !strings.Contains(out, want) {
			t.Errorf("Format lacks %q:\n%s", want, out)
		}
	}
	if e := jsondiff.Excerpt(long+"x", long+"y"); !strings.Contains(e, "first difference at byte 400") || len(e) > 150 {
		t.Errorf("Excerpt = %s", e)
	}
}
