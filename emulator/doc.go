// Package emulator is a stand-in for the Amazon Bedrock runtime service with
// real prompt-caching semantics, for testing cache-point placement offline.
//
// An Emulator is an http.Handler speaking Bedrock runtime's REST-JSON:
//
//	POST /model/{modelId}/converse
//	POST /model/{modelId}/converse-stream                (AWS event-stream framing)
//	POST /model/{modelId}/invoke                         (the model's native body)
//	POST /model/{modelId}/invoke-with-response-stream    (event-stream chunks)
//
// where modelId is a base model ID, an inference profile ID (us., eu.,
// apac., jp., global.) or an ARN of either, URL-escaped as the SDKs send it.
// Point any SDK at it with BaseEndpoint (Go) or
// AWS_ENDPOINT_URL_BEDROCK_RUNTIME; Start serves it on a loopback port.
//
// # Caching
//
// A cache entry is a prefix of the prompt — toolConfig.tools, then system,
// then messages — ending at a cachePoint. Entries are keyed by the exact bytes
// of every block as received (a tool schema with its keys in another order is
// another prefix), by model and by account (the SigV4 access key ID or the
// bearer token). A request reads the longest live prefix at one of its
// checkpoints — or, on Claude, at a block boundary up to 20 blocks before a
// checkpoint (look-back) — and writes every later checkpoint whose
// cumulative prefix reaches the model's minimum (see ThresholdMode). Entries
// live 5 minutes or 1 hour and every hit resets the clock. The model table
// (minimums, TTL support, Nova's restrictions) is the emulator's own, built
// from the project's FACTS.md, independent of the matrix catalog.
//
// Usage follows the service: inputTokens counts only tokens neither read nor
// written, totalTokens = input + output + read + write, the undocumented
// *Count twins are present, cacheDetails lists writes by TTL (1h first).
//
// # Determinism
//
// Token counts are an additive estimate (see Options.CharsPerToken and
// Options.BlockOverheadTokens), replies are derived from a hash of the
// request, and time comes from an injectable Clock that Advance moves, so
// tests never sleep.
//
// # Admin endpoints
//
// Beside the API the handler answers, without authentication:
//
//	POST /_emulator/clock/advance?by=5m   move time forward (never back)
//	GET  /_emulator/clock                 current emulator time
//	POST /_emulator/reset                 drop every cache entry
//	GET  /_emulator/profiles              fault and benign profiles
//	GET  /_emulator/stats                 number of entries held
//
// # Clients
//
// Any SDK works unchanged. With aws-sdk-go-v2, wrap the HTTP transport in
// SafeBodyTransport (Server.HTTPClient does): a loopback server answers fast
// enough to lose a race in smithy-go's request-body handling that makes
// about one ConverseStream in a thousand fail with "use of closed network
// connection" on the SDK's default client.
//
// # Profiles
//
// Fault profiles (Faults) make the emulator wrong in exactly one way each, so
// a mutation run can show that a verifier catches every rule it claims to
// check; benign profiles (BenignProfiles) change only what a correct
// verifier must not depend on.
package emulator
