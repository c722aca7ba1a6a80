package recorder

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"

	"gopkg.in/dnaeon/go-vcr.v2/cassette"

	"github.com/cachecascade/cachecascade/internal/atomicfile"
)

// Finding is a possible secret found in a cassette.
type Finding struct {
	// File and Line locate it.
	File string
	Line int
	// Kind says what it looks like.
	Kind string
	// Excerpt shows the match with its middle masked, so a report of a
	// leak does not repeat the secret.
	Excerpt string
}

func (f Finding) String() string {
	return fmt.Sprintf("%s:%d: %s: %s", f.File, f.Line, f.Kind, f.Excerpt)
}

// secretPatterns are what Scan looks for.
// Each has lower-case hints, one of which a line must contain (lower-cased)
// before the expression runs: cassette lines hold whole prompts.
var secretPatterns = []struct {
	kind  string
	hints []string
	re    *regexp.Regexp
}{
	{"AWS access key ID", []string{"akia", "asia", "aroa", "aida"}, regexp.MustCompile(`\b(?:AKIA|ASIA|AROA|AIDA)[0-9A-Z]{16}\b`)},
	// Its hints are the expression's four spellings, not "secret", which
	// fixture prose holds ("secretary") in nearly every cassette.
	{"AWS secret access key field", []string{"secretaccesskey", "secret_access_key", "secret_accesskey", "secretaccess_key"}, regexp.MustCompile(`(?i)secret_?access_?key`)},
	{"session token header", []string{"x-amz-security-token"}, regexp.MustCompile(`(?i)x-amz-security-token`)},
	{"Authorization header", []string{"authorization"}, regexp.MustCompile(`(?i)^\s*-?\s*authorization\s*:`)},
	{"SigV4 credential scope", []string{"credential="}, regexp.MustCompile(`Credential=[A-Z0-9]{16,}/`)},
	{"bearer token", []string{"bearer"}, regexp.MustCompile(`(?i)\bbearer\s+[A-Za-z0-9._~+/=-]{8,}`)},
	{"Bedrock API key", []string{"absk"}, regexp.MustCompile(`\bABSK[A-Za-z0-9+/=]{16,}`)},
	{"account ID in an ARN", []string{"arn:", "arn%3a"}, regexp.MustCompile(`(?i)arn(?::|%3a)aws[a-z-]*(?::|%3a)[a-z0-9-]+(?::|%3a)[a-z0-9-]*(?::|%3a)(?:[0-9]{12})`)},
}

// Scan looks through every cassette (.yaml) under root for credentials and
// account IDs: access key IDs, secret-key fields, session-token and
// Authorization headers, SigV4 credential scopes, bearer tokens, Bedrock API
// keys, and account IDs in ARNs other than RedactedAccount. It reads the
// file line by line, and the payloads of event-stream responses, which the
// file holds base64-encoded, decoded, with the base64 bytes of each
// InvokeModelWithResponseStream chunk decoded in turn (reported at line 0).
func Scan(root string) ([]Finding, error) {
	var paths []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".yaml") {
			paths = append(paths, path)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	// Files are scanned in parallel, each into its own slot, so that the
	// findings come out in walk order whatever the scheduling.
	found := make([][]Finding, len(paths))
	errs := make([]error, len(paths))
	var wg sync.WaitGroup
	next := make(chan int)
	for range min(runtime.GOMAXPROCS(0), len(paths)) {
		wg.Go(func() {
			for i := range next {
				found[i], errs[i] = scanFile(paths[i])
			}
		})
	}
	for i := range paths {
		next <- i
	}
	close(next)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return slices.Concat(found...), nil
}

// scanFile scans one cassette: its lines, and the decoded payloads of its
// event-stream responses. Only the patterns whose hints occur somewhere in
// the file run on its lines: cassettes are mostly prompt text that holds
// none.
func scanFile(path string) ([]Finding, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(data)
	if scannedClean(path, sum) {
		return nil, nil
	}
	out, err := scanData(path, data)
	if err == nil && len(out) == 0 {
		markClean(path, sum)
	}
	return out, err
}

// scanData scans a cassette's bytes (see scanFile).
func scanData(path string, data []byte) ([]Finding, error) {
	lower := bytes.ToLower(data)
	var patterns []int
	for i, p := range secretPatterns {
		if slices.ContainsFunc(p.hints, func(h string) bool { return bytes.Contains(lower, []byte(h)) }) {
			patterns = append(patterns, i)
		}
	}
	var out []Finding
	if len(patterns) > 0 {
		for n, line := range strings.Split(string(data), "\n") {
			out = append(out, scanText(path, n+1, line, patterns...)...)
		}
	}
	streams := bytes.Contains(data, []byte("application/vnd.amazon.eventstream"))
	counted := bytes.Contains(data, []byte("invokeModel"))
	if !streams && !counted {
		return out, nil
	}
	interactions, err := loadInteractions(path)
	if err != nil {
		return out, nil // not a cassette this package can read; its text was scanned
	}
	for _, i := range interactions {
		for _, f := range scanEncoded(path, i) {
			out = append(out, f)
		}
	}
	return out, nil
}

// scanSignature identifies what Scan looks for: a verdict of "clean" kept
// in the cassette cache holds only for the same YAML and the same
// signature, so that a new pattern scans every cassette again.
var scanSignature = func() [sha256.Size]byte {
	h := sha256.New()
	for _, p := range secretPatterns {
		fmt.Fprintf(h, "%s\x00%q\x00%s\x00", p.kind, p.hints, p.re)
	}
	var out [sha256.Size]byte
	h.Sum(out[:0])
	return out
}()

// scannedClean reports whether the cassette cache says the YAML with hash
// sum at path was scanned clean with this scanner.
func scannedClean(path string, sum [sha256.Size]byte) bool {
	p := cachePath(path)
	if p == "" {
		return false
	}
	b, err := os.ReadFile(p + ".clean")
	return err == nil && bytes.Equal(b, cleanMark(sum))
}

// markClean records in the cassette cache that the YAML with hash sum at
// path holds nothing Scan looks for; failing to is not an error.
func markClean(path string, sum [sha256.Size]byte) {
	if p := cachePath(path); p != "" && os.MkdirAll(filepath.Dir(p), 0o755) == nil {
		_ = atomicfile.WriteFile(p+".clean", cleanMark(sum), 0o644)
	}
}

// cleanMark is what a clean verdict holds: the YAML's hash and the
// scanner's signature.
func cleanMark(sum [sha256.Size]byte) []byte {
	return append(sum[:], scanSignature[:]...)
}

// scanEncoded scans what an interaction holds encoded, which its text
// hides: the payloads of an event-stream response and the model's stream
// JSON an InvokeModelWithResponseStream chunk carries base64-encoded in
// one, and the InvokeModel body
// a CountTokens request carries base64-encoded.
func scanEncoded(path string, i *cassette.Interaction) []Finding {
	var out []Finding
	if isEventStream(i.Response.Headers) {
		for _, payload := range streamPayloads(i.Response.Body) {
			for _, f := range scanText(path, 0, string(payload)) {
				f.Kind += " (in an event-stream payload)"
				out = append(out, f)
			}
			if _, inner, ok := chunkBytes(payload); ok {
				for _, f := range scanText(path, 0, string(inner)) {
					f.Kind += " (in an event-stream chunk)"
					out = append(out, f)
				}
			}
		}
	}
	var req struct {
		Input struct {
			InvokeModel struct {
				Body []byte `json:"body"`
			} `json:"invokeModel"`
		} `json:"input"`
	}
	if json.Unmarshal([]byte(i.Request.Body), &req) == nil && len(req.Input.InvokeModel.Body) > 0 {
		for _, f := range scanText(path, 0, string(req.Input.InvokeModel.Body)) {
			f.Kind += " (in a counted InvokeModel body)"
			out = append(out, f)
		}
	}
	return out
}

// scanText finds the secret patterns in one piece of text: those listed
// by index, or every one when none is listed.
func scanText(path string, line int, text string, patterns ...int) []Finding {
	var out []Finding
	lower := strings.ToLower(text)
	for i, p := range secretPatterns {
		if len(patterns) > 0 && !slices.Contains(patterns, i) {
			continue
		}
		if !slices.ContainsFunc(p.hints, func(h string) bool { return strings.Contains(lower, h) }) {
			continue
		}
		for _, m := range p.re.FindAllString(text, -1) {
			if p.kind == "account ID in an ARN" && strings.HasSuffix(m, RedactedAccount) {
				continue
			}
			out = append(out, Finding{File: path, Line: line, Kind: p.kind, Excerpt: mask(m)})
		}
	}
	return out
}

// mask keeps the start and end of s and hides the rest.
func mask(s string) string {
	if len(s) <= 8 {
		return strings.Repeat("*", len(s))
	}
	return s[:4] + strings.Repeat("*", len(s)-8) + s[len(s)-4:]
}
