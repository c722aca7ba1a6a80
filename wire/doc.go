// Package wire shows what the AWS SDK for Go v2 actually puts on the wire
// for a Bedrock Converse or ConverseStream request, and whether those bytes
// are stable.
//
// Prompt caching keys on exact bytes: a tool schema whose keys come out in
// another order is another prefix, and every read silently misses. The
// package provides:
//
//   - Converse and ConverseStream, which run an input through the real SDK
//     client (serializers, middleware, signing) against an HTTP client that
//     keeps the request and fails the call, so no network is used;
//   - Determinism and DeterminismOf, which serialize the same logical input
//     several times and name every JSON path whose value, key order or
//     encoding varies between the bodies;
//   - Compare, which tells whether a body is byte-identical to a reference
//     (for example the same request in a cassette), the same JSON with
//     different bytes (and which objects' key order or which strings'
//     encoding differ), or changed (and at which paths);
//   - Classify, which says of a JSON path whether it lies in the prompt
//     prefix, whether a change there can cost cache reads, and from which
//     layer (tools, system, messages) the cache is invalidated.
//
// Value differences come from package jsondiff; key-order and encoding
// differences, which canonical comparison cannot see, come from a walk over
// both documents' raw tokens.
//
// The package uses only APIs present in bedrockruntime v1.28.0 and the
// aws-sdk-go-v2 and smithy-go versions it requires, so that the SDK-upgrade
// check can build it against every version from the first one with cache
// points on.
package wire
