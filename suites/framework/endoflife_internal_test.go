package framework

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"

	"github.com/cachecascade/cachecascade/internal/env"
	"github.com/cachecascade/cachecascade/matrix"
)

// setRunEnv sets the variables NewRun reads to a run of mode against
// target (endpoint naming env.Endpoint), with its reports in a temporary
// directory.
func setRunEnv(t *testing.T, mode, target, endpoint, eol string) {
	t.Helper()
	t.Setenv(env.Mode, mode)
	t.Setenv(env.Target, target)
	t.Setenv(env.Endpoint, endpoint)
	t.Setenv(env.RecordEndOfLife, eol)
	t.Setenv(env.ReportDir, t.TempDir())
	t.Setenv(env.EmulatorProfiles, "")
	t.Setenv(env.EmulatorModels, "")
}

// TestRecordEndOfLifeRefused: env.RecordEndOfLife is honoured only by a
// record run against the in-process emulator; any other mode or target,
// or a value other than "1", is refused with an error that names the
// variable and says why.
func TestRecordEndOfLifeRefused(t *testing.T) {
	for _, tc := range []struct {
		mode, target, endpoint, eol string
		say                         string
	}{
		{"replay", "", "", "1", "record"},
		{"live", "emulator", "", "1", "record"},
		{"record", "aws", "", "1", "emulator"},
		{"record", "", "", "1", "emulator"},
		{"record", "endpoint", "http://127.0.0.1:1", "1", "emulator"},
		{"record", "", "http://127.0.0.1:1", "1", "emulator"},
		{"record", "emulator", "", "yes", `want "1"`},
	} {
		setRunEnv(t, tc.mode, tc.target, tc.endpoint, tc.eol)
		r, err := NewRun(Started())
		if err == nil {
			r.Close()
			t.Errorf("%s=%s %s=%q %s=%q: NewRun accepted %s=%s; want it refused", env.Mode, tc.mode, env.Target, tc.target, env.Endpoint, tc.endpoint, env.RecordEndOfLife, tc.eol)
			continue
		}
		if msg := err.Error(); !strings.Contains(msg, env.RecordEndOfLife) || !strings.Contains(msg, tc.say) {
			t.Errorf("%s=%s %s=%q: error %q; want it to name %s and say %q", env.Mode, tc.mode, env.Target, tc.target, msg, env.RecordEndOfLife, tc.say)
		}
	}
}

// TestRecordEndOfLifeLiftsTheSkip: a record run against the in-process
// emulator with env.RecordEndOfLife=1 keeps the end-of-life models (a
// plain one leaves them out), its emulator serves them, and their
// cassettes' source says they were re-recorded against the emulator.
func TestRecordEndOfLifeLiftsTheSkip(t *testing.T) {
	eol := matrix.Default().Must("claude-3-5-haiku")
	active := matrix.Default().Must("claude-sonnet-4-6")
	for _, on := range []bool{false, true} {
		v := ""
		if on {
			v = "1"
		}
		setRunEnv(t, "record", "emulator", "", v)
		r, err := NewRun(Started())
		if err != nil {
			t.Fatalf("%s=%q: %v", env.RecordEndOfLife, v, err)
		}
		defer r.Close()
		if _, out := r.leftOut(eol); out == on {
			t.Errorf("%s=%q: %s left out: %t, want %t", env.RecordEndOfLife, v, eol.Key, out, !on)
		}
		if _, out := r.leftOut(active); out {
			t.Errorf("%s=%q: the active %s left out", env.RecordEndOfLife, v, active.Key)
		}
		c := bedrockruntime.New(bedrockruntime.Options{Region: r.Region, BaseEndpoint: aws.String(r.Endpoint), Retryer: aws.NopRetryer{},
			Credentials: credentials.NewStaticCredentialsProvider("AKIDEMULATOR00000000", "emulator-secret", "")})
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_, err = c.Converse(ctx, &bedrockruntime.ConverseInput{ModelId: aws.String(eol.ModelID()),
			Messages: []types.Message{{Role: types.ConversationRoleUser, Content: []types.ContentBlock{&types.ContentBlockMemberText{Value: "hello"}}}}})
		cancel()
		if served := err == nil; served != on {
			t.Errorf("%s=%q: the emulator served %s: %t (%v), want %t", env.RecordEndOfLife, v, eol.ModelID(), served, err, on)
		}
		src := r.provenanceSource(eol)
		if note := strings.Contains(src, "end-of-life history re-recorded against the emulator"); note != on || !strings.HasPrefix(src, "emulator ") {
			t.Errorf("%s=%q: source of %s %q; want it to start with \"emulator \" and note the re-recorded history: %t", env.RecordEndOfLife, v, eol.Key, src, on)
		}
		if src := r.provenanceSource(active); src != r.Source() {
			t.Errorf("%s=%q: source of the active %s %q, want %q", env.RecordEndOfLife, v, active.Key, src, r.Source())
		}
	}
}
