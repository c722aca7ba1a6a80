// Package env names the environment variables cachecascade reads or sets,
// one constant each, so that every name is spelled once. The suites and the
// recorder read them; the programs that run the suites as a child process
// (cmd/nightly, cmd/mutation, cmd/sdk-upgrade) set or clear them. A test in
// this package fails when a non-test Go file outside it spells a
// "CACHECASCADE_" name as a string literal, and when the repository
// mentions a CACHECASCADE_ name that All does not list.
package env

// Prefix starts the name of every variable of cachecascade's own. A program
// that gives the suites a clean environment drops every variable with it.
const Prefix = "CACHECASCADE_"

// cachecascade's own variables.
const (
	// Mode selects the recorder mode of a run: "replay" (the default:
	// answers from the cassettes, no credentials, no network), "record"
	// (calls the target and rewrites the cassettes of the specs that
	// pass) or "live" (calls the target and writes nothing). See
	// recorder.ModeFromEnv.
	Mode = "CACHECASCADE_MODE"
	// Target selects where record and live calls go: "emulator" (the
	// in-process emulator) or "aws". Unset, calls go to the endpoint named
	// by Endpoint when that is set, and to AWS otherwise. Replay ignores
	// it.
	Target = "CACHECASCADE_TARGET"
	// EmulatorProfiles names profiles of the in-process emulator,
	// comma-separated, such as a fault profile that simulates a changed
	// service (cmd/mutation sets it per run, cmd/nightly from -profile).
	// It applies only with Target "emulator".
	EmulatorProfiles = "CACHECASCADE_EMULATOR_PROFILES"
	// EmulatorModels names a models file (see emulator.LoadModels) whose
	// models the in-process emulator adds to its built-in table, replacing
	// built-in models of the same base ID. It applies only with Target
	// "emulator".
	EmulatorModels = "CACHECASCADE_EMULATOR_MODELS"
	// EmulatorLatency is the delay, a Go duration such as "1.5s", that the
	// in-process emulator's latency profile adds to each answer
	// (emulator.Options.Latency); it applies only with Target "emulator"
	// and EmulatorProfiles naming "latency". Measurements of parallel runs
	// set it to a real call's latency.
	EmulatorLatency = "CACHECASCADE_EMULATOR_LATENCY"
	// EmulatorNoiseSeed seeds the in-process emulator's noise profiles
	// (emulator.Options.NoiseSeed), a positive integer: the same seed
	// repeats a run call for call (cmd/mutation sets one per noise run).
	EmulatorNoiseSeed = "CACHECASCADE_EMULATOR_NOISE_SEED"
	// EmulatorRegions are the weights of the Regions the in-process
	// emulator's routing profile lands calls through inference profiles
	// in (emulator.Options.Regions), comma-separated ("0.8,0.1,0.1").
	EmulatorRegions = "CACHECASCADE_EMULATOR_REGIONS"
	// RecordEndOfLife, set to "1", re-records the recorded history of the
	// models past their end of life: a record run against the in-process
	// emulator (Target "emulator") runs their specs, which record runs
	// otherwise leave out, and the emulator serves them as before their
	// end of life (emulator.Options.ServeEndOfLife). Any other mode or
	// target refuses it: the service answers those models 404.
	RecordEndOfLife = "CACHECASCADE_RECORD_END_OF_LIFE"
	// NoiseResends caps the extra calls a run may spend telling the
	// service's noise from a broken rule (see suites/framework's resend):
	// a positive integer, over all of the run's processes.
	NoiseResends = "CACHECASCADE_NOISE_RESENDS"
	// Cassettes overrides the cassette directory, cassettes/ at the
	// module root by default.
	Cassettes = "CACHECASCADE_CASSETTES"
	// CassetteCache names the directory of the cassette cache, where replay
	// keeps a binary copy of each cassette it reads, keyed by the hash of
	// its YAML (see recorder.CassetteCacheDir); "off" turns it off. Unset,
	// it is cachecascade/cassettes in the user's cache directory.
	CassetteCache = "CACHECASCADE_CASSETTE_CACHE"
	// ReportDir overrides the directory the reports are written to,
	// reports/ at the module root by default.
	ReportDir = "CACHECASCADE_REPORT_DIR"
	// SecondProfile names the AWS profile of a second account, which the
	// isolation specs use against AWS to show that another account does
	// not read this account's cache entries.
	SecondProfile = "CACHECASCADE_SECOND_PROFILE"
	// BudgetUSD caps the spending of a record or live run in US dollars,
	// at the catalog's prices: a run estimated over it is refused before
	// it starts, and once it is spent the spec that would send the next
	// call fails and specs that would start are skipped.
	BudgetUSD = "CACHECASCADE_BUDGET_USD"
	// BudgetTokens caps the tokens of a record or live run, prompt (input,
	// cache read and cache write) plus output over all calls, as BudgetUSD
	// caps dollars.
	BudgetTokens = "CACHECASCADE_BUDGET_TOKENS"
	// Procs is the number of Ginkgo processes of a run against a target:
	// scripts/record, the live and re-record phases of scripts/nightly,
	// and scripts/verify in live or record mode use 8 when it is unset.
	// Replay runs one process (it is CPU-bound). The processes share one
	// budget and one tally.
	Procs = "CACHECASCADE_PROCS"
	// ModelConcurrency caps the calls in flight to one model over all the
	// processes of a run against a target, 2 when it is unset, so that a
	// parallel run does not trip the account's throttling.
	ModelConcurrency = "CACHECASCADE_MODEL_CONCURRENCY"
	// Quiet, when not empty, stops the suites from printing the Markdown
	// report to standard output; the files are still written. Programs
	// that run the suites several times set it.
	Quiet = "CACHECASCADE_QUIET"
	// WireLog names a file to which replay appends one JSON line per
	// request the SDK sent (recorder.WireLogEntry). scripts/sdk-upgrade
	// sets it to compare the bytes another SDK version writes with the
	// recorded ones.
	WireLog = "CACHECASCADE_WIRE_LOG"
)

// The variables of the AWS SDK, of CI and of Go that cachecascade reads or
// clears.
const (
	// Endpoint is the AWS SDK's own endpoint override for Bedrock
	// runtime. Record and live runs without a Target send their calls
	// there; programs that must not reach a stray endpoint clear it.
	Endpoint = "AWS_ENDPOINT_URL_BEDROCK_RUNTIME"
	// BearerToken is the variable through which the AWS SDK takes a
	// Bedrock API key and then signs with it instead of SigV4. Replay
	// ignores it, and a plain-HTTP endpoint never gets the token.
	BearerToken = "AWS_BEARER_TOKEN_BEDROCK"
	// GitHubStepSummary is the file GitHub Actions gives a step to append
	// its Markdown summary to. The programs that run the suites clear it
	// for the child runs and append their own summary.
	GitHubStepSummary = "GITHUB_STEP_SUMMARY"
	// GoGC is the Go runtime's garbage-collection target. The suites set
	// their own unless it is set (framework.TuneGC).
	GoGC = "GOGC"
)

// All lists every variable named above (not Prefix), cachecascade's own
// first, in the order they are declared. Callers must not modify it.
var All = []string{
	Mode, Target, EmulatorProfiles, EmulatorModels, EmulatorLatency, EmulatorNoiseSeed, EmulatorRegions, RecordEndOfLife, NoiseResends, Cassettes, CassetteCache, ReportDir, SecondProfile, BudgetUSD, BudgetTokens,
	Procs, ModelConcurrency, Quiet, WireLog,
	Endpoint, BearerToken, GitHubStepSummary, GoGC,
}
