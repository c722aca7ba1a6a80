// Package emulator is a stand-in for the Amazon Bedrock runtime service with
// real prompt-caching semantics, for testing cache-point placement offline.
//
// An Emulator is an http.Handler speaking Bedrock runtime's REST-JSON:
//
//	POST /model/{modelId}/converse
//	POST /model/{modelId}/converse-stream                (AWS event-stream framing)
//	POST /model/{modelId}/invoke                         (the model's native body)
//	POST /model/{modelId}/invoke-with-response-stream    (event-stream chunks)
//	POST /model/{modelId}/count-tokens                   (CountTokens)
//
// and one operation of the control plane (service "bedrock"):
//
//	GET  /inference-profiles                             (ListInferenceProfiles)
//
// where modelId is a base model ID, an inference profile ID (global., us.,
// eu., jp., au., apac. + base ID) or an ARN of either, URL-escaped as the
// SDKs send it. Point any SDK at it with BaseEndpoint (Go) or
// AWS_ENDPOINT_URL_BEDROCK_RUNTIME and AWS_ENDPOINT_URL_BEDROCK (one URL
// serves both); Start serves it on a loopback port. Both planes take the
// same authentication, checked as the service checks it (see
// Authentication).
//
// # Models
//
// The built-in table (BuiltinModels) follows FACTS.md's 2025 table and its
// 2026 update. Each model lists the inference-profile prefixes that serve
// it: models before 2026 take every prefix and their base ID; the 2026
// Claude models (Sonnet 4.6 and later) are reachable only through
// profiles, their bare base ID answering the on-demand-throughput
// ValidationException; the gated Mythos models are in-Region only, so their
// base ID works and every profile ID is invalid. A model's lifecycle is
// active, legacy, gated or end-of-life; only end-of-life changes anything:
// every call (Claude 3.5 Haiku, Claude 3.7 Sonnet, ...) answers 404
// ResourceNotFoundException. Legacy and gated models answer like active
// ones. Options.ServeEndOfLife (-serve-end-of-life) serves end-of-life
// models as before their end of life, to re-record their cassettes.
//
// Options.Models and Options.ModelsFile add models or replace built-in
// ones by base ID; LoadModels reads a models file:
//
//	{"models": [{"id": "anthropic.claude-hidden-1", "family": "claude", "caching": true,
//	  "minTokens": 1536, "maxCheckpoints": 4, "toolCheckpoints": true, "ttl1h": true,
//	  "lookBack": 20, "maxCachedTokens": 0, "implicitCaching": false, "countTokens": true,
//	  "profiles": ["us", "global"], "profileOnly": false, "lifecycle": "active",
//	  "legacyIntegration": false, "rejectsExplicitTTL": false, "contextTokens": 200000}]}
//
// with the family defaults ModelSpec documents for omitted numbers.
//
// # CountTokens and ListInferenceProfiles
//
// CountTokens takes {"input":{"converse":{...}}} (Converse's messages,
// system, toolConfig) or {"input":{"invokeModel":{"body":BASE64}}} (the
// native body) and answers {"inputTokens":N}, N being what the equivalent
// call is charged as prompt: input + cache read + cache write. It decodes
// and checks the request as that call would, never touches the cache, and
// answers only for models that count (Haiku 4.5, Sonnet 4.5, Sonnet 4.6)
// called by base ID; any other model or any profile ID answers 400
// ValidationException "The provided model doesn't support counting
// tokens.".
//
// ListInferenceProfiles lists one SYSTEM_DEFINED, ACTIVE profile per model
// and prefix of every model not past its end of life, sorted by ID, with
// ARNs in us-east-1 under account 123456789012; it pages by maxResults
// (1-1000, default 100) and nextToken and filters by typeEquals (there are
// no APPLICATION profiles).
//
// # Authentication
//
// A SigV4 request (Authorization: AWS4-HMAC-SHA256 Credential=AKID/DATE/
// REGION/SERVICE/aws4_request, SignedHeaders=..., Signature=...) is checked
// in the service's order, each failure a 403 with the service's type and
// text:
//
//   - structure: a missing Credential, Signature or SignedHeaders part, or
//     no X-Amz-Date (or Date) header, is IncompleteSignatureException
//     ("Authorization header requires 'Credential' parameter. ...");
//   - scope: the region must be Options.Region (DefaultRegion, us-east-1,
//     when unset; sign for the region the emulator serves) and the service
//     bedrock, else InvalidSignatureException ("Credential should be scoped
//     to a valid region, not 'us-west-2'. ", "... to correct service:
//     'bedrock'. ");
//   - time: X-Amz-Date more than 5 minutes from the wall clock (the
//     client's kind of time: Options.AuthClock, never the cache's Clock,
//     which Advance moves) is InvalidSignatureException ("Signature
//     expired: ... (... - 5 min.)" or "Signature not yet current: ...");
//   - the signature, when the emulator knows the key's secret: it is
//     recomputed over the received request with the AWS SDK's own signer
//     (the signed headers, the payload hash of X-Amz-Content-Sha256 or of
//     the body) and a mismatch is InvalidSignatureException ("The request
//     signature we calculated does not match ..."). Secrets come from
//     BuiltinCredentials (the harness's fake keys, such as
//     AKIDEMULATOR00000000 / emulator-secret), Options.Credentials and
//     Options.CredentialsFile (an AWS shared credentials file).
//
// A key with no known secret is accepted by default, its structure, scope
// and time checked but its signature not (the emulator cannot know it);
// Options.StrictCredentials answers it 403 UnrecognizedClientException
// ("The security token included in the request is invalid."), as the
// service answers a key it does not know. A signature over a header the
// SDK's signer never signs (User-Agent, Expect, ...) or dated by Date
// alone cannot be recomputed and is accepted like an unknown key's.
//
// Bedrock API keys (Authorization: Bearer KEY; the SDKs send them only
// over HTTPS, see ServerOptions.TLS) are checked by their documented
// formats: a short-term key, bedrock-api-key- and the base64 of a presigned
// CallWithBearerToken URL for bedrock.amazonaws.com (ShortTermAPIKey mints
// one), must be scoped to Options.Region and service bedrock, live at most
// 12 hours and not have expired by the wall clock, and is verified like a
// signature when its key is known; a long-term key, ABSK and base64, must
// decode. A key without either prefix answers 403 "Invalid API Key format:
// Must start with pre-defined prefix", a rejected one 403 {"Message":
// "Authentication failed: Please make sure your API Key is valid."}.
//
// The account a request's cache entries belong to is its access key ID,
// or a digest of its API key (each key its own account).
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
// live 5 minutes or 1 hour and every hit resets the clock; a write into a
// full cache (Options.MaxEntries) evicts the entry closest to expiry, of
// equal expiries the one written or last read first. The model table
// (minimums, TTL support, profiles, Nova's restrictions) is the emulator's
// own, built from the project's FACTS.md, independent of the matrix
// catalog.
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
// # Speed
//
// A request body is read once, by a one-pass JSON reader that keeps every
// block's exact bytes and learns in the same pass what validation needs;
// what it cannot decide exactly as encoding/json would (escaped, folded or
// repeated keys, for instance) is decoded with encoding/json, to the same
// result. A stream's events are written in one piece, the reply being
// complete before its first event. Eviction takes the entry closest to
// expiry from a heap, without scanning the cache. The load benchmarks
// (go test -run '^$' -bench . ./emulator) report req/s and p99 latency at
// 4, 16 and 64 keep-alive connections.
//
// # Wire
//
// A Server speaks HTTP/1.1 and HTTP/2 (see Protocols): over TLS, ALPN
// offers "h2" and "http/1.1"; on a plain listener HTTP/2 with prior
// knowledge (h2c) is taken too, which is what the AWS SDK for JavaScript
// v3's default handler sends to an http:// endpoint. Header names go out as
// the service spells them — x-amzn-RequestId and x-amzn-ErrorType, not
// net/http's X-Amzn-Requestid — on HTTP/1.1 (HTTP/2 lower-cases every
// name). Request IDs are random version-4 UUIDs;
// Options.DeterministicRequestIDs repeats the same sequence on every run,
// for tests. A path or method no operation has is answered 404 with
// x-amzn-ErrorType UnknownOperationException (Coral's namespace) and the
// body bedrock-runtime's front door writes,
// {"Output":{"__type":"com.amazon.coral.service#UnknownOperationException"},"Version":"1.0"}.
//
// # Resource bounds
//
// A runtime request reserves its declared body length (MaxBodyBytes when
// it declares none) under Options.MaxInflightBodyBytes, 256 MiB by
// default, before its body is read; one that finds no room waits up to
// Options.InflightWait (10 s) and is then answered 429 ThrottlingException
// "Too many requests, please wait before trying again.", which SDKs retry.
// (BenchmarkPeakRSS in cmd/bedrock-emulator measures the effect: 50
// concurrent 19 MB Converse bodies peak at about 550 MiB resident instead
// of 1.6 GB.) Once its headers are in, a request has
// Options.BodyReadTimeout (60 s) to deliver the whole body; a client that
// stalls or trickles is answered 408 RequestTimeoutException and its
// connection closed.
//
// # Admin endpoints
//
// Beside the API the handler answers, without authentication but only to
// clients on a loopback address (others get 403 unless Options.AdminOpen):
//
//	POST /_emulator/clock/advance?by=5m   move time forward (never back)
//	GET  /_emulator/clock                 current emulator time
//	POST /_emulator/reset                 drop every cache entry
//	GET  /_emulator/profiles              fault and benign profiles
//	GET  /_emulator/stats                 entries held, body bytes in flight
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
