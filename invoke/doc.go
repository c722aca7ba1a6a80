// Package invoke builds InvokeModel request bodies with prompt-cache
// checkpoints and reads the usage of their responses: the second API axis
// of cachecascade, beside Converse.
//
// InvokeModel takes the model's own body. For Claude that is the Anthropic
// Messages body (anthropic_version "bedrock-2023-05-31", max_tokens, system,
// tools, messages), where a checkpoint is a cache_control field
// ({"type": "ephemeral"[, "ttl": "5m"|"1h"]}) on the block it closes, or,
// for automatic caching, one top-level cache_control the service moves to
// the last block of the prompt (Anthropic.Automatic). For
// Nova it is the native body (schemaVersion "messages-v1"), shaped like
// Converse's: a checkpoint is a {"cachePoint": {"type": "default"}} entry
// after the block it closes, in system or a message's content; tools sit in
// toolConfig.tools, where Nova rejects a checkpoint.
//
// The package sits between matrix and fixtures rather than inside either:
// matrix holds the documented rules over the SDK's Converse types and must
// stay free of per-model wire formats, and fixtures is plain material that
// knows no API. Here a fixtures.Set becomes a Body (Build), a
// matrix.Strategy places its checkpoints on it with the one algorithm it
// uses on a ConverseInput (matrix.Strategy.Place, through Body.Mark: at most
// matrix.MaxCheckpoints, counting the caller's), the body's checkpoints are listed as
// matrix.Checkpoint values (Checkpoints) so that matrix's oracle and
// matrix.ValidateCheckpoints judge them (Validate), and a response's usage
// becomes a usage.Usage (Usage, StreamUsage) for the verdict package.
//
// Like matrix, it never imports the emulator: the emulator decodes these
// bodies with its own code, so either can catch the other.
package invoke
