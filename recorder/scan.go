package recorder

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"maps"
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

// secretPattern is one shape of secret Scan looks for. Cassette lines hold
// whole prompts, so no expression runs over a whole file: each runs on a
// short window of the line around each occurrence of one of its hints.
type secretPattern struct {
	kind string
	// hints are literals, one of which starts every match (or lies within
	// before bytes of its start): a hint with an upper-case letter matches
	// as it is, any other ignoring case.
	hints []string
	// before and after bound the window: from before bytes ahead of the
	// hint (-1: from the start of the line) to after bytes past it, within
	// the line.
	before, after int
	// re matches within the window. Its first non-empty group, if it has
	// groups, is the secret, masked in the finding; a pattern without
	// groups finds the name of a secret-bearing field, shown as it is.
	re *regexp.Regexp
	// ok, if set, must accept the secret (group) for a finding.
	ok func(secret []byte) bool
}

// secretPatterns are what Scan looks for. Each matches glued to other
// text, unless a boundary is needed to tell the secret from ordinary text,
// as noted.
var secretPatterns = []secretPattern{
	// AKIA (long-term) or ASIA (temporary) and 16 upper-case letters or
	// digits; the IAM user and role IDs (AIDA, AROA) likewise. No boundary:
	// random base64 holds one once in 10^11 characters.
	{kind: "AWS access key ID", hints: []string{"AKIA", "ASIA", "AROA", "AIDA"}, after: 20,
		re: regexp.MustCompile(`^((?:AKIA|ASIA|AROA|AIDA)[0-9A-Z]{16})`)},
	// The name of the field or variable, in any of its spellings; "secret
	// access key" in prose (an error message says it) is not one.
	{kind: "AWS secret access key field", hints: []string{"secret"}, after: 20,
		re: regexp.MustCompile(`(?i)^secret[_-]?access[_-]?key`)},
	// A secret access key: 40 base64 characters standing as their own
	// token (a longer run is other data) within 30 bytes after "secret",
	// with upper and lower case and a digit, '/' or '+' (as 30 random bytes
	// have, but a hex digest or a word does not).
	{kind: "AWS secret access key value", hints: []string{"secret"}, after: 6 + 30 + 1 + 40 + 1,
		re: regexp.MustCompile(`(?i)^secret[^\n]{0,30}?[^a-z0-9/+]([a-z0-9/+]{40})(?:[^a-z0-9/+=]|$)`), ok: mixedBase64},
	{kind: "session token header", hints: []string{"x-amz-security-token"}, after: 20,
		re: regexp.MustCompile(`(?i)^x-amz-security-token`)},
	{kind: "session token field", hints: []string{"session"}, before: 4, after: 20,
		re: regexp.MustCompile(`(?i)aws[_-]?session[_-]?token`)},
	// An STS session token: one of its fixed starts (IQoJb3JpZ2lu,
	// FwoGZXIvYXdz, FQoGZXIvYXdz), then long base64.
	{kind: "AWS session token", hints: []string{"IQoJb3JpZ2lu", "GZXIvYXdz"}, before: 3, after: 200,
		re: regexp.MustCompile(`((?:IQoJb3JpZ2lu|FwoGZXIvYXdz|FQoGZXIvYXdz)[A-Za-z0-9/+=]{40,})`)},
	{kind: "Authorization header", hints: []string{"authorization"}, before: -1, after: 20,
		re: regexp.MustCompile(`(?i)^\s*-?\s*authorization\s*:`)},
	{kind: "SigV4 credential scope", hints: []string{"credential="}, after: 11 + 128 + 3,
		re: regexp.MustCompile(`^(?i:credential)=([A-Z0-9]{16,})(?:/|%2[Ff])`)},
	{kind: "bearer token", hints: []string{"bearer"}, after: 200,
		re: regexp.MustCompile(`^(?i:bearer)\s+([A-Za-z0-9._~+/=-]{8,})`)},
	// Long-term keys, ABSK and base64: glued when the base64 starts with
	// that of "BedrockAPIKey-", as real keys do, else after a boundary
	// (ABSK and 16 characters occur in any long base64); short-term keys,
	// bedrock-api-key- and base64.
	{kind: "Bedrock API key", hints: []string{"ABSK"}, before: 1, after: 200,
		re: regexp.MustCompile(`(ABSKQmVkcm9ja0FQSUtleS[A-Za-z0-9+/=]*)|(?:^|[^A-Za-z0-9+/])(ABSK[A-Za-z0-9+/=]{16,})`)},
	{kind: "Bedrock API key", hints: []string{"bedrock-api-key-"}, after: 200,
		re: regexp.MustCompile(`^(?i:bedrock-api-key-)([A-Za-z0-9+/=_-]{16,})`)},
	// An account ID in an ARN, plain or URL-escaped, other than
	// RedactedAccount.
	{kind: "account ID in an ARN", hints: []string{"arn:", "arn%3a"}, after: 120,
		re: regexp.MustCompile(`(?i)^arn(?::|%3a)aws[a-z-]*(?::|%3a)[a-z0-9-]+(?::|%3a)[a-z0-9-]*(?::|%3a)([0-9]{12})(?:[^0-9]|$)`), ok: notRedacted},
	// A bare account ID: exactly 12 digits, within 20 bytes after
	// "account" (accountId, account_id, Account-Id, "account 1234...") with
	// no digit between; other 12-digit numbers (token counts, timestamps)
	// are not account IDs.
	{kind: "account ID", hints: []string{"account"}, after: 7 + 3*20 + 12 + 1,
		re: regexp.MustCompile(`(?i)^account(?:[^0-9\n%]|%[0-9a-f]{2}){0,20}?([0-9]{12})(?:[^0-9]|$)`), ok: notRedacted},
}

// mixedBase64 reports whether s has upper and lower case letters and a
// digit, '/' or '+'.
func mixedBase64(s []byte) bool {
	var upper, lower, other bool
	for _, c := range s {
		switch {
		case 'A' <= c && c <= 'Z':
			upper = true
		case 'a' <= c && c <= 'z':
			lower = true
		default:
			other = true
		}
	}
	return upper && lower && other
}

// notRedacted reports whether an account ID is not RedactedAccount.
func notRedacted(s []byte) bool { return string(s) != RedactedAccount }

// hintIndex lists, for each distinct hint, the patterns that use it.
var hintIndex = func() map[string][]int {
	m := map[string][]int{}
	for i, p := range secretPatterns {
		for _, h := range p.hints {
			m[h] = append(m[h], i)
		}
	}
	return m
}()

// hints are the keys of hintIndex, sorted.
var hints = slices.Sorted(maps.Keys(hintIndex))

// Scan looks through every cassette (.yaml) under root for credentials and
// account IDs (see secretPatterns): access key IDs, secret access keys and
// their fields, session tokens, their fields and headers, Authorization
// headers, SigV4 credential scopes, bearer tokens, Bedrock API keys, and
// account IDs in ARNs or named as such, other than RedactedAccount. It
// reads the file's text, and the payloads of event-stream responses, which
// the file holds base64-encoded, decoded, with the base64 bytes of each
// InvokeModelWithResponseStream chunk decoded in turn (reported at line 0).
// A finding shows the secret masked.
//
// Dot-files are not cassettes (a recording in progress is written as
// ".NAME.recording-PID-N.yaml" beside its cassette, see Tidy) and are not
// scanned; nor is a file that disappears between the walk and its read, as
// another process's recording does when it is renamed into place.
func Scan(root string) ([]Finding, error) {
	var paths []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if path != root && errors.Is(err, fs.ErrNotExist) {
				return nil // gone since its directory was read
			}
			return err
		}
		if !d.IsDir() && strings.HasSuffix(path, ".yaml") && !strings.HasPrefix(d.Name(), ".") {
			paths = append(paths, path)
		}
		return nil
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

// scanFile scans one cassette: its text, and what its interactions hold
// encoded (see scanEncoded). A cassette found clean is marked so in the
// cassette cache and not scanned again while its bytes and the scanner
// stay the same; a mark made from the file as it stands now (the same
// fileStamp) spares even reading it.
func scanFile(path string) ([]Finding, error) {
	stamp := fileStamp(path)
	if stamp != nil && scannedClean(path, nil, stamp) {
		return nil, nil
	}
	data, err := readYAML(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil // gone since the walk: nothing left to leak
	}
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(data)
	if scannedClean(path, &sum, nil) {
		markClean(path, sum, stamp)
		return nil, nil
	}
	out, err := scanData(path, data)
	if err == nil && len(out) == 0 {
		markClean(path, sum, stamp)
	}
	return out, err
}

// scanData scans a cassette's bytes (see scanFile).
func scanData(path string, data []byte) ([]Finding, error) {
	out := scanText(path, 1, data)
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
		out = append(out, scanEncoded(path, i)...)
	}
	return out, nil
}

// scanSignature identifies what Scan looks for: a verdict of "clean" kept
// in the cassette cache holds only for the same YAML and the same
// signature, so that a new pattern scans every cassette again.
var scanSignature = func() [sha256.Size]byte {
	h := sha256.New()
	for _, p := range secretPatterns {
		fmt.Fprintf(h, "%s\x00%q\x00%d\x00%d\x00%s\x00%t\x00", p.kind, p.hints, p.before, p.after, p.re, p.ok != nil)
	}
	var out [sha256.Size]byte
	h.Sum(out[:0])
	return out
}()

// scannedClean reports whether the cassette cache says the YAML at path,
// with hash sum or file stamp stamp (either may be nil), was scanned clean
// with this scanner.
func scannedClean(path string, sum *[sha256.Size]byte, stamp []byte) bool {
	p := cachePath(path)
	if p == "" {
		return false
	}
	b, err := readAtMost(p+".clean", make([]byte, 2*sha256.Size+maxStamp))
	if err != nil || len(b) < 2*sha256.Size || !bytes.Equal(b[sha256.Size:2*sha256.Size], scanSignature[:]) {
		return false
	}
	return sum != nil && bytes.Equal(b[:sha256.Size], sum[:]) ||
		stamp != nil && bytes.Equal(b[2*sha256.Size:], stamp)
}

// markClean records in the cassette cache that the YAML with hash sum
// (and file stamp, nil when unknown) at path holds nothing Scan looks for;
// failing to is not an error.
func markClean(path string, sum [sha256.Size]byte, stamp []byte) {
	if p := cachePath(path); p != "" && os.MkdirAll(filepath.Dir(p), 0o755) == nil {
		_ = atomicfile.WriteFile(p+".clean", cleanMark(sum, stamp), 0o644)
	}
}

// cleanMark is what a clean verdict holds: the YAML's hash, the scanner's
// signature and the YAML file's stamp.
func cleanMark(sum [sha256.Size]byte, stamp []byte) []byte {
	return append(append(sum[:], scanSignature[:]...), stamp...)
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
			for _, f := range scanText(path, 0, payload) {
				f.Kind += " (in an event-stream payload)"
				out = append(out, f)
			}
			if _, inner, ok := chunkBytes(payload); ok {
				for _, f := range scanText(path, 0, inner) {
					f.Kind += " (in an event-stream chunk)"
					out = append(out, f)
				}
			}
		}
	}
	if _, inner, ok := countedBody([]byte(i.Request.Body)); ok {
		for _, f := range scanText(path, 0, inner) {
			f.Kind += " (in a counted InvokeModel body)"
			out = append(out, f)
		}
	}
	return out
}

// hit is one match of a secret pattern: the pattern, the match and the
// secret in it (start equal to end when the pattern has no group).
type hit struct {
	pattern               int
	from, to, secret, end int
}

// findSecrets finds the secret patterns in data, sorted by position and
// pattern.
func findSecrets(data []byte) []hit {
	lower := asciiLower(data)
	var out []hit
	seen := map[[2]int]bool{}
	for _, h := range hints {
		in := lower
		if strings.ToLower(h) != h {
			in = data
		}
		for at := 0; ; {
			i := bytes.Index(in[at:], []byte(h))
			if i < 0 {
				break
			}
			p := at + i
			at = p + 1
			for _, pi := range hintIndex[h] {
				pat := &secretPatterns[pi]
				from := 0
				if pat.before >= 0 {
					from = max(0, p-pat.before)
				}
				if nl := bytes.LastIndexByte(data[from:p], '\n'); nl >= 0 {
					from += nl + 1
				}
				to := min(len(data), p+pat.after)
				if nl := bytes.IndexByte(data[p:to], '\n'); nl >= 0 {
					to = p + nl
				}
				for _, m := range pat.re.FindAllSubmatchIndex(data[from:to], -1) {
					x := hit{pattern: pi, from: from + m[0], to: from + m[1], secret: from + m[1], end: from + m[1]}
					for g := 2; g+1 < len(m); g += 2 {
						if m[g] >= 0 {
							x.secret, x.end = from+m[g], from+m[g+1]
							break
						}
					}
					if pat.ok != nil && !pat.ok(data[x.secret:x.end]) || seen[[2]int{pi, x.secret}] {
						continue
					}
					seen[[2]int{pi, x.secret}] = true
					out = append(out, x)
				}
			}
		}
	}
	slices.SortFunc(out, func(a, b hit) int {
		if a.from != b.from {
			return a.from - b.from
		}
		return a.pattern - b.pattern
	})
	return out
}

// scanText finds the secret patterns in one piece of text. With line 0,
// every finding is reported at line 0 (text decoded from a cassette, which
// has no lines of the file); otherwise text starts at that line.
func scanText(path string, line int, text []byte) []Finding {
	var out []Finding
	for _, h := range findSecrets(text) {
		n := 0
		if line > 0 {
			n = line + bytes.Count(text[:h.from], []byte("\n"))
		}
		excerpt := string(text[h.from:h.secret]) + mask(text[h.secret:h.end]) + string(text[h.end:h.to])
		out = append(out, Finding{File: path, Line: n, Kind: secretPatterns[h.pattern].kind, Excerpt: strings.TrimRight(excerpt, "\r")})
	}
	return out
}

// asciiLower returns a copy of b with ASCII letters in lower case and
// every other byte as it was, so that offsets in it are offsets in b.
func asciiLower(b []byte) []byte {
	out := make([]byte, len(b))
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		out[i] = c
	}
	return out
}

// mask hides a secret: a long one keeps its first four characters, which
// tell its kind (AKIA, IQoJ, ABSK), and shows at most 16 stars; a short one
// (an account ID) is all stars.
func mask(s []byte) string {
	if len(s) < 16 {
		return strings.Repeat("*", len(s))
	}
	return string(s[:4]) + strings.Repeat("*", min(len(s)-4, 16))
}
