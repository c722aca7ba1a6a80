package framework_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/cachecascade/cachecascade/report"
	"github.com/cachecascade/cachecascade/suites/framework"
)

// TestRowsCountEveryFailedSpec: a spec that failed without filing its row
// (it failed before its session opened, in a setup node, or in code that
// never reached Open) is still reported, as a failure with its message, so
// that no report counts only the specs that got far enough to file a row
// (issue 13: "12 specs: 12 pass" while Ginkgo failed 340). Skipped specs
// and suite nodes are not rows.
func TestRowsCountEveryFailedSpec(t *testing.T) {
	filed := report.Row{Area: "hygiene", Spec: "hygiene no secrets", Outcome: report.Pass}
	rep := types.Report{SpecReports: types.SpecReports{
		{LeafNodeType: types.NodeTypeIt, LeafNodeText: "no secrets", ContainerHierarchyTexts: []string{"hygiene"}, State: types.SpecStatePassed,
			ReportEntries: types.ReportEntries{{Name: framework.ReportEntry, Value: types.WrapEntryValue(filed)}}},
		{LeafNodeType: types.NodeTypeIt, LeafNodeText: "nova-lite/none", ContainerHierarchyTexts: []string{"cascade invalidates"}, State: types.SpecStateFailed,
			LeafNodeLabels: []string{"area:cascade", "api:converse", "model:nova-lite", "strategy:none"},
			Failure:        types.Failure{Message: "recorder: no AWS region"}},
		{LeafNodeType: types.NodeTypeIt, LeafNodeText: "nova-lite/tools_only", ContainerHierarchyTexts: []string{"cascade invalidates"}, State: types.SpecStatePanicked,
			LeafNodeLabels: []string{"area:cascade", "model:nova-lite"}, Failure: types.Failure{Message: "boom"}},
		{LeafNodeType: types.NodeTypeIt, LeafNodeText: "skipped", State: types.SpecStateSkipped},
		{LeafNodeType: types.NodeTypeSynchronizedBeforeSuite, State: types.SpecStateFailed, Failure: types.Failure{Message: "pre-flight: no region"}},
	}}
	rows, err := framework.Rows(rep)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 {
		t.Fatalf("Rows = %+v; want the filed row and one failing row for each failed spec", rows)
	}
	want := report.Row{Area: "cascade", API: "converse", Model: "nova-lite", Strategy: "none", Spec: "cascade invalidates nova-lite/none", Outcome: report.Fail}
	got := rows[1]
	if !strings.Contains(got.Message, "recorder: no AWS region") {
		t.Errorf("the failing row's message %q does not carry the failure", got.Message)
	}
	got.Message = ""
	if !reflect.DeepEqual(got, want) {
		t.Errorf("the failed spec's row = %+v, want %+v", got, want)
	}
	if rows[2].Outcome != report.Fail || rows[2].Spec != "cascade invalidates nova-lite/tools_only" {
		t.Errorf("the panicked spec's row = %+v", rows[2])
	}
}
