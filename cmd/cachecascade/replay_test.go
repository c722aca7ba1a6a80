package main

import (
	"context"
	"os"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/cachecascade/cachecascade/emulator"
	"github.com/cachecascade/cachecascade/forecast"
)

// The emulator's static credentials and region.
var emulatorCreds = aws.Credentials{AccessKeyID: "AKIDEMULATOR00000000", SecretAccessKey: "emulator-secret"}

// TestExamplesAgreeWithTheEmulator replays every example against the
// emulator and compares the prediction with the usage it reports (agree):
// a predicted rejection is a 400 of the predicted error code; otherwise a
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

// replay sends an example's requests, salted, in order and at their times
// (compare), to a fresh emulator with the given profiles and returns every
// disagreement with the prediction.
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
	sent, paths, err := salted(reqs)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := forecast.Check(sent, forecast.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := emulator.Start(emulator.Options{Profiles: profiles})
	if err != nil {
		t.Fatal(err)
	}
	tg := serverTarget(srv, emulatorCreds)
	defer tg.close()
	c, err := compare(context.Background(), tg, sent, paths, rep)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, d := range c.Disagreements {
		out = append(out, string(d.Rule)+": "+d.Message)
	}
	return out
}
