// Package policy holds tests that state the module's structural rules (how
// long a function may be, which packages may import which) and check the
// whole module against them. It has no other code: the rules live in its
// tests so that go test fails when one is broken.
package policy
