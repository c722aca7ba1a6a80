package framework

import (
	"context"

	"github.com/cachecascade/cachecascade/internal/preflight"
	"github.com/cachecascade/cachecascade/recorder"
)

// Preflight checks the run's target once, before any spec, so that a run
// that cannot work stops at once with one message instead of failing every
// spec: a record or live run against AWS or a named endpoint needs a
// region, credentials (or a Bedrock API key, over HTTPS only) and an
// endpoint that answers (see package preflight, which costs nothing on
// AWS). Replay touches no network and checks nothing; neither does a run
// against the in-process emulator, which the run starts itself.
func Preflight(ctx context.Context) error {
	mode, err := recorder.ModeFromEnv()
	if err != nil || !mode.CallsTarget() {
		return err
	}
	target, err := targetFromEnv()
	if err != nil || target == TargetEmulator {
		return err
	}
	return preflight.Check(ctx)
}
