package recorder_test

import (
	"net/http"
	"strings"
	"testing"

	"gopkg.in/dnaeon/go-vcr.v2/cassette"

	"github.com/cachecascade/cachecascade/recorder"
)

func TestMatcher(t *testing.T) {
	const path = "/model/us.anthropic.claude-sonnet-4-5-20250929-v1%3A0/converse"
	recorded := cassette.Request{
		Method: http.MethodPost,
		URL:    path,
		Body:   `{"messages":[{"content":[{"text":"hi"}],"role":"user"}],"system":[{"text":"cachecascade-run:0000000000000000 You are terse."}],"toolConfig":{"tools":[{"toolSpec":{"inputSchema":{"json":{"properties":{"a":{"type":"string"},"b":{"type":"number"}},"type":"object"}},"name":"t"}}]}}`,
	}
	for _, tc := range []struct {
		name   string
		method string
		url    string
		body   string
		want   bool
	}{
		{"the same request", "POST", "https://bedrock-runtime.us-east-1.amazonaws.com" + path, recorded.Body, true},
		{"another host and region", "POST", "http://127.0.0.1:4566" + path, recorded.Body, true},
		{"keys in another order, with other white space",
			"POST", path, `{"toolConfig": {"tools": [{"toolSpec": {"name": "t", "inputSchema": {"json": {"type": "object", "properties": {"b": {"type": "number"}, "a": {"type": "string"}}}}}}]},
			 "system": [{"text": "cachecascade-run:0000000000000000 You are terse."}], "messages": [{"role": "user", "content": [{"text": "hi"}]}]}`, true},
		// Cassettes hold the zero salt and replay sends it: another salt
		// means a run whose specs would not share cache entries.
		{"another run's salt", "POST", path, strings.Replace(recorded.Body, "0000000000000000", "9f86d081884c7d65", 1), false},
		{"invalid UTF-8 is compared byte for byte", "POST", path, strings.Replace(recorded.Body, "terse", "ters\xff", 1), false},
		{"changed system text", "POST", path, strings.Replace(recorded.Body, "terse", "brief", 1), false},
		{"changed schema", "POST", path, strings.Replace(recorded.Body, `"number"`, `"integer"`, 1), false},
		{"array order matters", "POST", path, strings.Replace(recorded.Body, `"role":"user"`, `"role":"assistant"`, 1), false},
		{"another model", "POST", strings.Replace(path, "sonnet-4-5", "haiku-4-5", 1), recorded.Body, false},
		{"another operation", "POST", strings.Replace(path, "converse", "converse-stream", 1), recorded.Body, false},
		{"another method", "PUT", path, recorded.Body, false},
		{"not JSON", "POST", path, "hello", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(tc.method, tc.url, strings.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			m := recorder.NewMatcher()
			if got := m.Match(req, recorded); got != tc.want {
				t.Errorf("Match = %v, want %v", got, tc.want)
			}
			// The body is put back for the next candidate and the
			// answer does not change.
			if got := m.Match(req, recorded); got != tc.want {
				t.Errorf("second Match = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestMatcherNormalisesAccountIDs(t *testing.T) {
	arn := "/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Aapplication-inference-profile%2Fabc123/converse"
	recorded := cassette.Request{Method: "POST", URL: strings.Replace(arn, "123456789012", recorder.RedactedAccount, 1), Body: `{}`}
	req, _ := http.NewRequest("POST", "https://host"+arn, strings.NewReader(`{}`))
	if !recorder.NewMatcher().Match(req, recorded) {
		t.Error("a request from a real account does not match its redacted recording")
	}
}

func TestCanonicalBody(t *testing.T) {
	a, okA := recorder.CanonicalBody([]byte(`{"b": 1.50, "a": [true, null, "x<y"]}`))
	b, okB := recorder.CanonicalBody([]byte(`{"a":[true,null,"x<y"],"b":1.50}`))
	if !okA || !okB || string(a) != string(b) {
		t.Errorf("canonical forms differ: %s vs %s", a, b)
	}
	if want := `{"a":[true,null,"x<y"],"b":1.50}`; string(a) != want {
		t.Errorf("CanonicalBody = %s, want %s (sorted keys, exact numbers, no HTML escaping)", a, want)
	}
	if _, ok := recorder.CanonicalBody([]byte(`{"a":1} {"b":2}`)); ok {
		t.Error("trailing data was accepted as JSON")
	}
}

func TestBodyDiff(t *testing.T) {
	long := strings.Repeat("lorem ipsum ", 200)
	recorded := `{"system":[{"text":"` + long + `end"}],"messages":[{"role":"user","content":[{"text":"a"}]}]}`
	actual := `{"system":[{"text":"` + long + `END"}],"messages":[{"role":"user","content":[{"text":"a"},{"cachePoint":{"type":"default"}}]}]}`
	d := recorder.BodyDiff([]byte(recorded), []byte(actual))
	for _, want := range []string{
		"system[0].text:",
		`first difference at byte 2400`,
		`lorem ipsum end" (len 2403`,
		`lorem ipsum END" (len 2403`,
		"messages[0].content[+1]:",
		"-recorded: (absent)",
		`+actual:   {"cachePoint":{"type":"default"}}`,
	} {
		if !strings.Contains(d, want) {
			t.Errorf("diff lacks %q:\n%s", want, d)
		}
	}
	if len(d) > 1000 {
		t.Errorf("diff of a one-word change is %d bytes; it should show a window, not the prompt:\n%s", len(d), d)
	}
	if d := recorder.BodyDiff([]byte(`{"a":1,"b":2}`), []byte(`{"b":2,"a":1}`)); d != "" {
		t.Errorf("reordered keys gave a diff:\n%s", d)
	}
}

func TestMatcherDoesNotConflateInvalidUTF8(t *testing.T) {
	// Decoding would turn both bytes into U+FFFD and call them equal.
	recorded := cassette.Request{Method: "POST", URL: "/model/m/converse", Body: "{\"system\":[{\"text\":\"a\xfe\"}]}"}
	req, _ := http.NewRequest("POST", "/model/m/converse", strings.NewReader("{\"system\":[{\"text\":\"a\xff\"}]}"))
	if recorder.NewMatcher().Match(req, recorded) {
		t.Error("two different invalid bytes matched")
	}
}
