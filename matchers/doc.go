// Package matchers provides Gomega matchers for prompt-cache behaviour:
// HaveCacheHitAt and HaveCacheMissAt on an observed call, HaveConsistentTotals
// on its usage, and BeRejectedAs on the error of a call the service should
// refuse. They read usage the way the verdict package does, so a team can
// write its own specs against its own placement code:
//
//	Expect(verdict.Observation{Usage: u, Checkpoints: layers, Baseline: primeWrite}).
//		To(matchers.HaveCacheHitAt(prefix.System))
//
// Misuse (a layer with no checkpoint, an observation without a baseline)
// is an error, not a false match.
package matchers
