// Package sdkcheck is the logic of scripts/sdk-upgrade, which answers "does
// this bump of the AWS SDK for Go v2 break our prompt caching?" for one or
// more bedrockruntime versions without touching the project's go.mod.
//
// A version is evaluated as an application pinned to that release would
// build it: bedrockruntime at the version, and the SDK core, smithy-go and
// the internal modules at exactly the versions that release requires (the
// minimum an application gets when it bumps only bedrockruntime), not the
// newer ones the project's go.mod selects. The project also imports the
// config and credentials modules (the recorder and the suites need them);
// left at the project's versions they would raise the core and smithy-go
// back to current by minimal version selection and hide a regression, so
// PlanModfile sets config to the newest release whose own requirements stay
// at or below that core and smithy-go (found by Companion) and drops every
// other aws-sdk-go-v2 module from the alternate go.mod, letting config
// bring its own. The command then checks the versions the build actually
// selected and reports any that were raised.
//
// The package holds the pure parts, each tested without a network: planning
// the alternate go.mod (PlanModfile), choosing build tags from what the
// SDK's source declares (TagsFor), comparing the request bytes logged by a
// replay run with the cassettes (CompareWire), comparing per-spec verdicts
// with the project's own run (DiffVerdicts), classifying an evaluation into
// one table row (Classify) and rendering the Markdown summary (Markdown).
// The go commands, temporary directories and timing live in
// cmd/sdk-upgrade.
package sdkcheck
