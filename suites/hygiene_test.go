package suites_test

import (
	"context"
	"fmt"
	"strings"

	. "github.com/onsi/ginkgo/v2"

	"github.com/cachecascade/cachecascade/matrix"
	"github.com/cachecascade/cachecascade/recorder"
	"github.com/cachecascade/cachecascade/suites/framework"
)

var _ = Describe("hygiene", Label(matrix.AreaLabel("hygiene")), func() {
	It("no cassette holds credentials, tokens or account IDs", func(ctx context.Context) {
		run.Offline("hygiene", matrix.Model{}, "")
		findings, err := recorder.Scan(run.Cassettes)
		framework.ExpectNoError(err, "scanning "+run.Cassettes)
		if len(findings) > 0 {
			var lines []string
			for _, f := range findings {
				lines = append(lines, f.String())
			}
			Fail(fmt.Sprintf("possible secrets in cassettes (remove them and fix the redaction in recorder.Redact):\n%s", strings.Join(lines, "\n")))
		}
	})

	It("the manifest names the source of every cassette, and every entry has its cassette", func(ctx context.Context) {
		if run.Mode != recorder.Replay {
			Skip("the manifest is rewritten at the end of a record run; checked in replay")
		}
		run.Offline("hygiene", matrix.Model{}, "")
		unlisted, missing, err := framework.ManifestGaps(run.Cassettes)
		framework.ExpectNoError(err)
		if len(unlisted)+len(missing) > 0 {
			Fail(fmt.Sprintf("cassettes without a manifest entry: %v; manifest entries without a cassette: %v; re-record them (scripts/record) or delete the stale entries", unlisted, missing))
		}
	})
})
