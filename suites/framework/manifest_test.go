package framework_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/cachecascade/cachecascade/internal/env"
	"github.com/cachecascade/cachecascade/recorder"
	"github.com/cachecascade/cachecascade/suites/framework"
)

// TestManifestFromAggregatedReport builds the manifest from provenance
// entries as a parallel run's ReportAfterSuite sees them: the entries of
// the process that ran it as values, those of other processes as JSON.
// Both must count, and the manifest must not depend on which process
// recorded which spec.
func TestManifestFromAggregatedReport(t *testing.T) {
	a := framework.Provenance{Cassette: "cascade/nova-lite/none.yaml", Provenance: recorder.Provenance{Spec: "cascade none", Model: "us.amazon.nova-lite-v1:0", Source: "emulator 0.1.0", SDK: map[string]string{}, Recorded: "2026-11-25T00:00:00Z"}}
	b := a
	b.Cassette, b.Spec = "limits/nova-lite/five-checkpoints.yaml", "limits five"
	raw, _ := json.Marshal(b)
	entry := func(v any) types.ReportEntry {
		e := types.ReportEntry{Name: framework.ProvenanceEntry}
		if s, ok := v.(string); ok {
			e.Value = types.WrapEntryValue(nil)
			e.Value.AsJSON = s
			return e
		}
		e.Value = types.WrapEntryValue(v)
		return e
	}
	both := func(first, second types.ReportEntry) types.Report {
		return types.Report{SpecReports: types.SpecReports{
			{ReportEntries: types.ReportEntries{first}},
			{ReportEntries: types.ReportEntries{second, {Name: framework.ReportEntry}}},
		}}
	}
	manifests := []string{}
	for _, rep := range []types.Report{both(entry(a), entry(string(raw))), both(entry(b), entry(mustJSON(t, a)))} {
		ps, err := framework.Provenances(rep)
		if err != nil {
			t.Fatal(err)
		}
		if len(ps) != 2 {
			t.Fatalf("Provenances = %+v, want both entries", ps)
		}
		dir := t.TempDir()
		setenv(t, "record", "emulator")
		t.Setenv(env.Cassettes, dir)
		r, err := framework.NewRun(framework.Started())
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		if err := r.WriteManifest(ps); err != nil {
			t.Fatal(err)
		}
		m, err := recorder.ReadManifest(dir)
		if err != nil {
			t.Fatal(err)
		}
		out, _ := json.Marshal(m.Cassettes)
		manifests = append(manifests, string(out))
	}
	if manifests[0] != manifests[1] || !strings.Contains(manifests[0], "limits five") || !strings.Contains(manifests[0], "cascade none") {
		t.Errorf("the manifest depends on which process filed which entry:\n%s\n%s", manifests[0], manifests[1])
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestSDKVersions(t *testing.T) {
	setenv(t, "", "")
	r, err := framework.NewRun(framework.Started())
	if err != nil {
		t.Fatal(err)
	}
	v := r.SDKVersions()
	if !strings.HasPrefix(v["github.com/aws/aws-sdk-go-v2/service/bedrockruntime"], "v1.") || !strings.HasPrefix(v["github.com/aws/smithy-go"], "v1.") {
		t.Errorf("SDKVersions = %v, want bedrockruntime and smithy-go", v)
	}
}

// TestManifestReadOnceInReplay checks Run.Manifest: a replay run reads the
// manifest once (nothing writes it during the run), a recording run every
// time (it and its parallel processes rewrite it).
func TestManifestReadOnceInReplay(t *testing.T) {
	for _, tc := range []struct {
		mode, target string
		seesRewrite  bool
	}{{"replay", "", false}, {"record", "emulator", true}} {
		setenv(t, tc.mode, tc.target)
		dir := t.TempDir()
		t.Setenv(env.Cassettes, dir)
		r, err := framework.NewRun(framework.Started())
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		write := func(n int) {
			m := recorder.Manifest{Cassettes: map[string]recorder.Provenance{}}
			for i := range n {
				m.Cassettes[fmt.Sprintf("area/model/c%d.yaml", i)] = recorder.Provenance{Source: "emulator"}
			}
			if err := recorder.WriteManifest(dir, m); err != nil {
				t.Fatal(err)
			}
		}
		write(1)
		first, err := r.Manifest()
		if err != nil || len(first.Cassettes) != 1 {
			t.Fatalf("%s: Manifest() = %d entries, %v; want the 1 written", tc.mode, len(first.Cassettes), err)
		}
		write(2)
		again, err := r.Manifest()
		if err != nil {
			t.Fatal(err)
		}
		if got := len(again.Cassettes) == 2; got != tc.seesRewrite {
			t.Errorf("Expected\n%d entries after a rewrite of 2\nto be read afresh: %v (mode %s)", len(again.Cassettes), tc.seesRewrite, tc.mode)
		}
	}
}
