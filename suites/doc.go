// Package suites holds cachecascade's Ginkgo suites: the model × strategy
// matrix (cascade), and the threshold, Nova, limits, TTL, accounting and
// streaming, conversation-history, determinism and hygiene areas. Every
// spec carries labels (area, family, generation, model, strategy) so that
// any slice can be run with -ginkgo.label-filter, and every spec that calls
// Bedrock has its own cassette under cassettes/<area>/<model>/.
//
// Run them offline with `go test ./suites/`; see README.md for the modes
// and targets. The specs are in the _test.go files; this file only names
// the package.
package suites
