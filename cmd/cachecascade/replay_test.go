package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/cachecascade/cachecascade/emulator"
	"github.com/cachecascade/cachecascade/forecast"
	"github.com/cachecascade/cachecascade/matrix"
	"github.com/cachecascade/cachecascade/request"
	"github.com/cachecascade/cachecascade/usage"
)

// The emulator's static credentials and region.
var emulatorCreds = aws.Credentials{AccessKeyID: "AKIDEMULATOR00000000", SecretAccessKey: "emulator-secret"}

const emulatorRegion = "us-east-1"

// observed is what the emulator answered one logged request.
type observed struct {
	status  int
	errType string
	usage   usage.Usage
}

// send posts a logged body, exactly as logged, to the emulator's operation
// with a SigV4 signature from the SDK's own signer, and reads the usage of
// the answer (streams read to the end).
func send(t *testing.T, srv *emulator.Server, req forecast.Request) observed {
	t.Helper()
	id := strings.ReplaceAll(url.PathEscape(req.ModelID), ":", "%3A")
	hr, err := http.NewRequest(http.MethodPost, srv.URL()+"/model/"+id+"/"+string(req.Operation), bytes.NewReader(req.Body))
	if err != nil {
		t.Fatal(err)
	}
	hr.Header.Set("Content-Type", "application/json")
	sum := sha256.Sum256(req.Body)
	if err := v4.NewSigner().SignHTTP(context.Background(), emulatorCreds, hr, hex.EncodeToString(sum[:]), "bedrock", emulatorRegion, time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := srv.HTTPClient().Do(hr)
	if err != nil {
		t.Fatalf("%s: %v", req.Source, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	o := observed{status: resp.StatusCode, errType: resp.Header.Get("X-Amzn-ErrorType")}
	if o.status != http.StatusOK {
		return o
	}
	api, ok := request.APIOfPath("/" + string(req.Operation))
	if !ok {
		t.Fatalf("%s: no API for %s", req.Source, req.Operation)
	}
	m, _ := matrix.Default().Lookup(req.ModelID)
	if o.usage, err = request.Recorded(api, m.Family, b); err != nil {
		t.Fatalf("%s: %v", req.Source, err)
	}
	return o
}

// TestExamplesAgreeWithTheEmulator replays every example against the
// emulator and compares the prediction with the usage it reports: a
// predicted rejection is a 400 of the predicted error code; otherwise a
// request reads (writes) exactly when it is predicted to, and the share of
// its prompt read and written agrees within 10 points (the emulator's
// tokenizer is not the check's estimate). The emulator and the oracle
// share no code, so either would catch the other.
func TestExamplesAgreeWithTheEmulator(t *testing.T) {
	for _, e := range examples {
		t.Run(e.name, func(t *testing.T) {
			for _, d := range replay(t, e, nil) {
				t.Error(d)
			}
		})
	}
}

// TestReplayCatchesAWrongEmulator runs the replay against emulators wrong
// in one way each (fault profiles): each must disagree with the prediction
// somewhere in the examples, or the comparison could not fail.
func TestReplayCatchesAWrongEmulator(t *testing.T) {
	for _, fault := range []string{emulator.FaultNoCascade, emulator.FaultThresholdIgnored, emulator.FaultNovaAcceptsToolCheckpoints, emulator.FaultNoLookback} {
		t.Run(fault, func(t *testing.T) {
			var ds []string
			for _, e := range examples {
				ds = append(ds, replay(t, e, []string{fault})...)
			}
			if len(ds) == 0 {
				t.Errorf("under %s the emulator agreed with every prediction", fault)
			}
		})
	}
}

// replay sends an example's requests, in order and at their times, to a
// fresh emulator with the given profiles and returns every disagreement
// with the prediction.
func replay(t *testing.T, e example, profiles []string) []string {
	t.Helper()
	f, err := os.Open(e.path())
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	reqs, err := forecast.ReadLog(f, e.path())
	if err != nil {
		t.Fatal(err)
	}
	rep, err := forecast.Check(reqs, forecast.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := emulator.Start(emulator.Options{Profiles: profiles})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	var out []string
	var prev time.Time
	for i, req := range reqs {
		if !prev.IsZero() && req.Time.After(prev) {
			srv.Advance(req.Time.Sub(prev))
		}
		prev = req.Time
		if d := agree(rep.Requests[i], send(t, srv, req)); d != "" {
			out = append(out, d)
		}
	}
	return out
}

// agree compares one prediction with what the emulator answered and
// describes any disagreement.
func agree(p forecast.RequestResult, o observed) string {
	if len(p.Rejections) > 0 {
		if o.status != http.StatusBadRequest || !strings.HasPrefix(o.errType, p.Rejections[0].ErrorCode) {
			return fmt.Sprintf("%s: predicted %d %s (%s), observed %d %q", p.Source, p.Rejections[0].Status, p.Rejections[0].ErrorCode, p.Rejections[0].Rule, o.status, o.errType)
		}
		return ""
	}
	if o.status != http.StatusOK {
		return fmt.Sprintf("%s: predicted acceptance, observed %d %q", p.Source, o.status, o.errType)
	}
	u := o.usage
	if (p.Read > 0) != (u.Read > 0) || (p.Written > 0) != (u.Write > 0) {
		return fmt.Sprintf("%s: predicted read %d, written %d; observed read %d, written %d", p.Source, p.Read, p.Written, u.Read, u.Write)
	}
	share := func(n, of int) float64 { return float64(n) / float64(max(of, 1)) }
	if math.Abs(share(p.Read, p.PromptTokens)-share(u.Read, u.Prompt())) > 0.1 ||
		math.Abs(share(p.Written, p.PromptTokens)-share(u.Write, u.Prompt())) > 0.1 {
		return fmt.Sprintf("%s: predicted read %d and wrote %d of %d; observed read %d and wrote %d of %d", p.Source, p.Read, p.Written, p.PromptTokens, u.Read, u.Write, u.Prompt())
	}
	return ""
}
