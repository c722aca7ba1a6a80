package recorder

import (
	"crypto/sha256"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"gopkg.in/dnaeon/go-vcr.v2/cassette"

	"github.com/cachecascade/cachecascade/internal/env"
)

// cassetteYAML is a one-interaction cassette whose response body is body.
func cassetteYAML(body string) string {
	return "---\nversion: 1\ninteractions:\n- request:\n    body: '{}'\n    url: /model/x/converse\n    method: POST\n  response:\n    body: '" + body + "'\n    code: 200\n    duration: 0s\n"
}

// TestCassetteCache: a second read decodes the binary copy; a changed
// YAML is parsed again (the YAML is the truth); a corrupt copy is only
// slower; "off" keeps no copy.
func TestCassetteCache(t *testing.T) {
	cache := t.TempDir()
	t.Setenv(env.CassetteCache, cache)
	path := filepath.Join(t.TempDir(), "c.yaml")
	read := func(want string) {
		t.Helper()
		is, err := loadInteractions(path)
		if err != nil || len(is) != 1 || is[0].Response.Body != want || is[0].Request.URL != "/model/x/converse" || is[0].Response.Code != 200 {
			t.Fatalf("loadInteractions = %+v, %v; want one interaction answering %q", is, err, want)
		}
	}
	os.WriteFile(path, []byte(cassetteYAML("first")), 0o644)
	read("first")
	copyPath := cachePath(path)
	if _, err := os.Stat(copyPath); err != nil {
		t.Fatalf("no binary copy after the first read: %v", err)
	}
	// A copy that says otherwise than the YAML it claims to come from is
	// used: this shows the second read decodes the copy.
	data, _ := os.ReadFile(path)
	is, _ := loadInteractions(path)
	is[0].Response.Body = "from the copy"
	writeCopy(copyPath, sha256.Sum256(data), nil, is)
	read("from the copy")
	forged, _ := os.ReadFile(copyPath)

	os.WriteFile(path, []byte(cassetteYAML("second")), 0o644)
	read("second")
	if now, _ := os.ReadFile(copyPath); string(now) == string(forged) {
		t.Error("the copy was not rewritten after the YAML changed")
	}

	os.WriteFile(copyPath, []byte("not gob"), 0o644)
	read("second")

	t.Setenv(env.CassetteCache, "off")
	if CassetteCacheDir() != "" || cachePath(path) != "" {
		t.Error(`"off" still names a cache`)
	}
	other := filepath.Join(t.TempDir(), "d.yaml")
	os.WriteFile(other, []byte(cassetteYAML("third")), 0o644)
	if is, err := loadInteractions(other); err != nil || is[0].Response.Body != "third" {
		t.Fatalf("without a cache: %+v, %v", is, err)
	}
	if entries, _ := os.ReadDir(cache); len(entries) != 1 {
		t.Errorf("the cache holds %d files, want the one copy of c.yaml", len(entries))
	}
}

// TestScanCache: a cassette scanned clean is not scanned again while its
// YAML and the scanner stay the same; a secret added later is found, and
// so is one a stale mark (another scanner) would hide.
func TestScanCache(t *testing.T) {
	t.Setenv(env.CassetteCache, t.TempDir())
	dir := t.TempDir()
	path := filepath.Join(dir, "c.yaml")
	os.WriteFile(path, []byte(cassetteYAML("clean")), 0o644)
	if got, err := Scan(dir); err != nil || len(got) != 0 {
		t.Fatalf("a clean cassette: %v, %v", got, err)
	}
	if _, err := os.Stat(cachePath(path) + ".clean"); err != nil {
		t.Fatalf("no clean mark: %v", err)
	}
	os.WriteFile(path, []byte(cassetteYAML("AKIAIOSFODNN7EXAMPLE")), 0o644)
	if got, _ := Scan(dir); len(got) != 1 {
		t.Errorf("a secret added after a clean scan: %v, want it found", got)
	}
	// A mark for this very YAML from a scanner with other patterns does
	// not hide it.
	data, _ := os.ReadFile(path)
	sum := sha256.Sum256(data)
	stale := append(sum[:], make([]byte, sha256.Size)...)
	os.WriteFile(cachePath(path)+".clean", stale, 0o644)
	if got, _ := Scan(dir); len(got) != 1 {
		t.Errorf("under a stale clean mark: %v, want the secret found", got)
	}
}

// TestCopyRoundTrip: the binary copy gives back every field of every
// interaction, and a truncated copy is refused, never half read.
func TestCopyRoundTrip(t *testing.T) {
	in := []*cassette.Interaction{
		{Request: cassette.Request{Method: "POST", URL: "/model/x/converse", Body: `{"messages":[]}`,
			Headers: http.Header{"Content-Type": {"application/json"}, "X-Cachecascade-Account": {"1"}}, Form: url.Values{"a": {"1", "2"}}},
			Response: cassette.Response{Status: "200 OK", Code: 200, Duration: 3 * time.Millisecond, Body: "é\x00\xff",
				Headers: http.Header{"X-Amzn-Requestid": {"r"}}}},
		{Request: cassette.Request{Method: "GET", URL: "/"}, Response: cassette.Response{Code: -1}},
	}
	path := filepath.Join(t.TempDir(), "copy")
	var sum [sha256.Size]byte
	sum[0] = 7
	writeCopy(path, sum, []byte("stamp"), in)
	got, ok := readCopy(path, &sum, nil)
	if !ok {
		t.Fatal("the copy was not read back")
	}
	if diff := cmp.Diff(in, got, cmpopts.IgnoreUnexported(cassette.Response{})); diff != "" {
		t.Errorf("round trip (-wrote +read):\n%s", diff)
	}
	data, _ := os.ReadFile(path)
	if _, ok := readCopy(path, nil, []byte("stamp")); !ok {
		t.Error("the copy was not read back by its stamp")
	}
	if _, ok := readCopy(path, nil, []byte("other")); ok {
		t.Error("a copy was read under another file's stamp")
	}
	for _, cut := range []int{len(data) - 1, len(data) / 2, len(copyMagic) + sha256.Size + 1} {
		os.WriteFile(path, data[:cut], 0o644)
		if _, ok := readCopy(path, &sum, nil); ok {
			t.Errorf("a copy cut at %d of %d bytes was read", cut, len(data))
		}
	}
}

// TestCassetteCacheTrustsTheStamp: a copy made from the file as it stands
// is used without reading the YAML; a rewrite of the same size, even
// within the same second, changes the stamp and the YAML is read again;
// so does a scan's clean mark.
func TestCassetteCacheTrustsTheStamp(t *testing.T) {
	t.Setenv(env.CassetteCache, t.TempDir())
	dir := t.TempDir()
	path := filepath.Join(dir, "c.yaml")
	os.WriteFile(path, []byte(cassetteYAML("first")), 0o644)
	if fileStamp(path) == nil {
		t.Skip("no file stamp on this platform: every read hashes the YAML")
	}
	reads := 0
	readYAML = func(name string) ([]byte, error) { reads++; return os.ReadFile(name) }
	t.Cleanup(func() { readYAML = os.ReadFile })
	load := func() string {
		t.Helper()
		is, err := loadInteractions(path)
		if err != nil || len(is) != 1 {
			t.Fatalf("loadInteractions = %+v, %v", is, err)
		}
		return is[0].Response.Body
	}
	load()
	reads = 0
	if got := load(); got != "first" || reads != 0 {
		t.Errorf("Expected\n%q after %d YAML reads\nto be %q from the copy, the YAML unread", got, reads, "first")
	}
	os.WriteFile(path, []byte(cassetteYAML("fifth")), 0o644) // the same size
	if got := load(); got != "fifth" || reads != 1 {
		t.Errorf("Expected\n%q after %d YAML reads\nto be %q, read again after a rewrite", got, reads, "fifth")
	}

	if got, err := Scan(dir); err != nil || len(got) != 0 {
		t.Fatalf("a clean cassette: %v, %v", got, err)
	}
	reads = 0
	if got, _ := Scan(dir); len(got) != 0 || reads != 0 {
		t.Errorf("Expected\n%d YAML reads\nto be 0 for a cassette marked clean as it stands", reads)
	}
	os.WriteFile(path, []byte(cassetteYAML("sixth")), 0o644) // the same size again
	if _, _ = Scan(dir); reads != 1 {
		t.Errorf("Expected\n%d YAML reads\nto be 1: a rewritten cassette is read again by the scan", reads)
	}
}

// TestPruneCopies: the cache keeps the newest copies up to the cap and
// leaves files that are not copies alone. (The cache once grew to 34,000
// copies, 828 MB, on a developer machine: one per temporary cassette
// directory a test replayed from.)
func TestPruneCopies(t *testing.T) {
	dir := t.TempDir()
	base := time.Now().Add(-time.Hour)
	for i := range 10 {
		p := filepath.Join(dir, fmt.Sprintf("%02d.gob", i))
		if err := os.WriteFile(p, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, base, base.Add(time.Duration(i)*time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("keep"), 0o644)
	pruneCopies(dir, 4)
	entries, _ := os.ReadDir(dir)
	var left []string
	for _, e := range entries {
		left = append(left, e.Name())
	}
	if want := []string{"06.gob", "07.gob", "08.gob", "09.gob", "notes.txt"}; !slices.Equal(left, want) {
		t.Errorf("Expected\n%v\nto equal\n%v", left, want)
	}
}

// TestReplayReadsTheCopysHeadAlone: once a cassette has a copy made from
// it as it stands, replay reads the copy's head (request bodies left out,
// known by their digests) and matches requests by the digests exactly as
// the matcher matches bodies: the same bytes, or the same canonical form.
func TestReplayReadsTheCopysHeadAlone(t *testing.T) {
	t.Setenv(env.CassetteCache, t.TempDir())
	path := filepath.Join(t.TempDir(), "c.yaml")
	body := `{"b":1,"a":[2,3]}`
	os.WriteFile(path, []byte("---\nversion: 1\ninteractions:\n- request:\n    body: '"+body+"'\n    url: /model/x/converse\n    method: POST\n  response:\n    body: '{}'\n    code: 200\n    duration: 0s\n"), 0o644)

	is, digests, err := loadReplay(path, fileStamp(path))
	if err != nil || digests != nil || len(is) != 1 || is[0].Request.Body != body {
		t.Fatalf("first read = %+v, %v, %v; want the whole interaction from the YAML", is, digests, err)
	}
	is, digests, err = loadReplay(path, fileStamp(path))
	if err != nil || len(is) != 1 || len(digests) != 1 || is[0].Request.Body != "" || is[0].Request.URL != "/model/x/converse" || is[0].Response.Body != "{}" {
		t.Fatalf("second read = %+v, %v, %v; want the copy's head: the interaction without its request body, and its digests", is, digests, err)
	}
	if digests[0] != digestOf(body) {
		t.Fatalf("Expected\n%x\nto equal the digests of the recorded body\n%x", digests[0], digestOf(body))
	}
	if whole, ok := readCopy(cachePath(path), nil, fileStamp(path)); !ok || whole[0].Request.Body != body {
		t.Fatalf("the whole copy gives %+v, %v; want the request body back", whole, ok)
	}
	for _, tc := range []struct {
		sent string
		want bool
	}{
		{body, true},
		{`{"a":[2,3],"b":1}`, true}, // the same canonical form
		{`{"a":[3,2],"b":1}`, false},
		{`{"b":1}`, false},
	} {
		req, _ := http.NewRequest(http.MethodPost, "https://bedrock-runtime.us-east-1.amazonaws.com/model/x/converse", strings.NewReader(tc.sent))
		m := NewMatcher()
		if got, byBody := m.matchDigest(req, is[0].Request, digests[0]), NewMatcher().Match(req, cassette.Request{Method: "POST", URL: "/model/x/converse", Body: body}); got != tc.want || byBody != tc.want {
			t.Errorf("matching %s: by digests %v, by body %v; want %v", tc.sent, got, byBody, tc.want)
		}
	}

	// A copy whose bodies were cut short still serves its head; the whole
	// copy is refused, so the bodies come from the YAML.
	data, _ := os.ReadFile(cachePath(path))
	os.WriteFile(cachePath(path), data[:len(data)-3], 0o644)
	if _, ok := readCopy(cachePath(path), nil, fileStamp(path)); ok {
		t.Error("a copy with its bodies cut short was read whole")
	}
	if is, err := loadInteractions(path); err != nil || is[0].Request.Body != body {
		t.Errorf("loadInteractions past a cut copy = %+v, %v; want the body from the YAML", is, err)
	}
}
