package framework

import (
	"fmt"
	"os"

	"github.com/cachecascade/cachecascade/internal/env"
	"github.com/cachecascade/cachecascade/matrix"
	"github.com/cachecascade/cachecascade/recorder"
)

// EndOfLifeNote is what the source of a cassette re-recorded by a run with
// env.RecordEndOfLife says besides the emulator's version, in the
// manifest.
const EndOfLifeNote = "end-of-life history re-recorded against the emulator"

// recordEndOfLifeFromEnv reads env.RecordEndOfLife: unset (or "0") leaves
// end-of-life models out of runs that call a target; "1" re-records their
// history, which only a record run against the in-process emulator may do,
// since the service answers those models 404 and an endpoint's answers
// would be passed off as their history.
func recordEndOfLifeFromEnv(mode recorder.Mode) (bool, error) {
	switch v := os.Getenv(env.RecordEndOfLife); v {
	case "", "0":
		return false, nil
	case "1":
	default:
		return false, fmt.Errorf("framework: %s=%q: want \"1\" (re-record the end-of-life models' history against the emulator) or unset", env.RecordEndOfLife, v)
	}
	if mode != recorder.Record {
		return false, fmt.Errorf("framework: %s=1 re-records end-of-life history, which only a record run does (%s=record %s=emulator); this is a %s run: unset %s",
			env.RecordEndOfLife, env.Mode, env.Target, mode, env.RecordEndOfLife)
	}
	t, err := targetFromEnv()
	if err != nil {
		return false, err
	}
	if t != TargetEmulator {
		return false, fmt.Errorf("framework: %s=1 re-records end-of-life history against the in-process emulator only (%s=emulator), not against %s: the service answers every call to an end-of-life model with a 404 ResourceNotFoundException, and nothing else may pass for its history",
			env.RecordEndOfLife, env.Target, t)
	}
	return true, nil
}

// provenanceSource is the manifest's source of a cassette of model m
// recorded by this run: Source, noting EndOfLifeNote for an end-of-life
// model re-recorded under env.RecordEndOfLife.
func (r *Run) provenanceSource(m matrix.Model) string {
	if r.RecordEndOfLife && m.Lifecycle == matrix.EndOfLife {
		return r.Source() + " (" + EndOfLifeNote + ")"
	}
	return r.Source()
}
