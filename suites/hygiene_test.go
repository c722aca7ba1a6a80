package suites_test

import (
	"context"
	"path/filepath"
	"strings"

	. "github.com/onsi/ginkgo/v2"

	"github.com/cachecascade/cachecascade/matrix"
	"github.com/cachecascade/cachecascade/recorder"
	"github.com/cachecascade/cachecascade/suites/framework"
	"github.com/cachecascade/cachecascade/verdict"
)

var _ = Describe("hygiene", Label(framework.AreaHygiene.Label()), func() {
	It("no cassette holds credentials, tokens or account IDs", func(ctx context.Context) {
		s := run.Offline(framework.AreaHygiene, matrix.Cell{})
		findings, err := recorder.Scan(run.Cassettes)
		framework.ExpectNoError(err, "scanning "+run.Cassettes)
		// The examples' own cassettes (a team's suite, examples/ownsuite)
		// are committed too.
		examples, err := recorder.Scan(filepath.Join(run.Root, "examples"))
		framework.ExpectNoError(err, "scanning the examples' cassettes")
		findings = append(findings, examples...)
		var lines []string
		for _, f := range findings {
			lines = append(lines, f.String())
		}
		s.Conclude("scan", verdict.Check(matrix.RuleHygiene, len(findings) == 0,
			"possible secrets in cassettes (remove them and fix the redaction in recorder.Redact):\n%s", strings.Join(lines, "\n")))
	})

	It("the manifest names the source of every cassette, and every entry has its cassette", func(ctx context.Context) {
		if run.Mode != recorder.Replay {
			Skip("the manifest is rewritten at the end of a record run; checked in replay")
		}
		s := run.Offline(framework.AreaHygiene, matrix.Cell{})
		m, err := run.Manifest()
		framework.ExpectNoError(err)
		unlisted, missing, err := recorder.GapsOf(run.Cassettes, m)
		framework.ExpectNoError(err)
		s.Conclude("manifest", verdict.Check(matrix.RuleHygiene, len(unlisted)+len(missing) == 0,
			"cassettes without a manifest entry: %v; manifest entries without a cassette: %v; re-record them (scripts/record) or delete the stale entries", unlisted, missing))
	})
})
