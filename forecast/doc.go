// Package forecast predicts what Bedrock's prompt cache will do with a
// sequence of requests a team actually sends, by the documented rules alone
// (shared/FACTS.md, through package matrix): for each request its
// checkpoints, the estimated prefix size at each, the checkpoints below the
// model's minimum, the rejections matrix.Validate predicts and the
// checkpoint budget; across the sequence, per model and account and in
// order, whether each checkpoint hits or misses (exact prefix bytes, tools →
// system → messages, the look-back window, the TTL), why each miss happens
// (the first byte that differs from the nearest earlier prefix, as a JSON
// path with an excerpt of both sides), which blocks serialize the same JSON
// with other bytes (key order), and the tokens and dollars lost to writes
// never read and to misses.
//
// It is the oracle side of `cachecascade check`: it never imports the
// emulator, so that the emulator can be checked against it and the other
// way round. Every finding carries a typed rule (matrix.Rule).
//
// The input is a log of requests (ReadLog reads JSON Lines, one request a
// line: {"modelId", "operation", "body", "time"?, "account"?}); Check
// returns the Report.
package forecast
