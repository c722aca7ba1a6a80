package main

import (
	"errors"
	"fmt"
	"strings"
)

// The operations, in the table's order.
const (
	opConverse       = "Converse"
	opConverseStream = "ConverseStream"
	opInvoke         = "InvokeModel"
	opInvokeStream   = "InvokeModelWithResponseStream"
	opCountTokens    = "CountTokens"
)

// operations lists the table's operations in order.
var operations = []string{opConverse, opConverseStream, opInvoke, opInvokeStream, opCountTokens}

// A group is how a client authenticates and which emulator it talks to:
// every call names its group, and the driver makes each group's calls with
// a client built from the group's environment variables (the client's
// whole configuration). Groups run in groupOrder.
type group string

const (
	// groupSigV4 signs with a key the emulator knows, over plain HTTP.
	groupSigV4 group = "sigv4"
	// groupWrongSecret signs with the right key ID and a wrong secret.
	groupWrongSecret group = "sigv4-wrong-secret"
	// groupWrongRegion signs for a region other than the emulator's.
	groupWrongRegion group = "sigv4-wrong-region"
	// groupBearerA uses a short-term Bedrock API key, over HTTPS.
	groupBearerA group = "bearer-short-term"
	// groupBearerB uses a long-term Bedrock API key, over HTTPS.
	groupBearerB group = "bearer-long-term"
	// groupBearerMalformed uses a string that is no Bedrock API key.
	groupBearerMalformed group = "bearer-malformed"
	// groupBearerForged uses a short-term key signed with a wrong secret.
	groupBearerForged group = "bearer-forged"
)

// groupOrder is the order of the groups in a client's driver process
// (bearer key B's isolation check reads what key A wrote first).
var groupOrder = []group{groupSigV4, groupWrongSecret, groupWrongRegion, groupBearerA, groupBearerB, groupBearerMalformed, groupBearerForged}

// call is one operation a driver makes.
type call struct {
	// ID names the call in the driver's answer and in messages.
	ID string `json:"id"`
	// Op is one of operations.
	Op string `json:"op"`
	// Params is the operation's input as the AWS API documents it
	// (camelCase); for the InvokeModel operations, body is the model's
	// JSON body, which the driver serializes.
	Params map[string]any `json:"params"`
	// Group is where the call is made.
	Group group `json:"-"`
}

// check is one row of the table: calls whose outcomes are judged together
// against FACTS.md.
type check struct {
	// Op is the table column the check belongs to.
	Op string
	// Name says what is checked, in a few words.
	Name string
	// Calls are made in order (groups in groupOrder).
	Calls []call
	// Judge returns nil when the outcomes, one per call in Calls' order,
	// are what FACTS.md says the service answers.
	Judge func(o []outcome) error
}

// Models the checks use, from the emulator's table (emulator/models.go)
// and FACTS.md.
const (
	// modelClaude is Claude Sonnet 4.5 through the us. profile: minimum
	// 1,024 tokens, 4 checkpoints.
	modelClaude = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
	// modelClaudeBare is its base ID, which CountTokens counts for.
	modelClaudeBare = "anthropic.claude-sonnet-4-5-20250929-v1:0"
	// modelNova is Nova Lite through the us. profile: no checkpoints in tools.
	modelNova = "us.amazon.nova-lite-v1:0"
	// modelEndOfLife is Claude 3.5 Haiku, end of life 2026-06-19 (AWS model card).
	modelEndOfLife = "anthropic.claude-3-5-haiku-20241022-v1:0"
)

// The service's answers, quoted from FACTS.md.
const (
	msgNovaToolCheckpoint = "The model returned the following errors: Malformed input request: #/toolConfig/tools/1: extraneous key [cachePoint] is not permitted, please reformat your input and try again."
	msgTooManyCheckpoints = "A maximum of 4 blocks with cache_control may be provided. Found 5."
	msgNoCountTokens      = "The provided model doesn't support counting tokens."
	msgSignatureMismatch  = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
	msgAPIKeyRejected     = "Authentication failed: Please make sure your API Key is valid."
	msgAPIKeyMalformed    = "Invalid API Key format: Must start with pre-defined prefix"
)

// prefix returns a system prompt of about 8,000 characters (2,000 tokens
// at 4 characters a token; well above Sonnet 4.5's 1,024-token minimum on
// any tokenizer) that begins with a text unique to the run, the client and
// the check, so that no other check, client or run can have cached it.
func prefix(nonce, check string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Conformance run %s, check %s. You are a terse assistant.\n", nonce, check)
	for i := 1; b.Len() < 8000; i++ {
		fmt.Fprintf(&b, "Rule %d: answer in as few words as the question allows, and never repeat rule %d.\n", i, i)
	}
	return b.String()
}

// question is the user turn after the cached prefix.
var question = []any{map[string]any{"role": "user", "content": []any{map[string]any{"text": "Reply with one word: ready?"}}}}

// converseCached is a Converse (or ConverseStream) request for model with a
// checkpoint after the system prompt p.
func converseCached(model, p string) map[string]any {
	return map[string]any{
		"modelId":         model,
		"system":          []any{map[string]any{"text": p}, map[string]any{"cachePoint": map[string]any{"type": "default"}}},
		"messages":        question,
		"inferenceConfig": map[string]any{"maxTokens": 16},
	}
}

// invokeCached is an InvokeModel request with an Anthropic Messages body
// whose system prompt p carries cache_control.
func invokeCached(model, p string) map[string]any {
	return map[string]any{
		"modelId": model,
		"body": map[string]any{
			"anthropic_version": "bedrock-2023-05-31",
			"max_tokens":        16,
			"system":            []any{map[string]any{"type": "text", "text": p, "cache_control": map[string]any{"type": "ephemeral"}}},
			"messages":          []any{map[string]any{"role": "user", "content": []any{map[string]any{"type": "text", "text": "Reply with one word: ready?"}}}},
		},
	}
}

// plain is a Converse request without checkpoints.
func plain(model string) map[string]any {
	return map[string]any{"modelId": model, "messages": question, "inferenceConfig": map[string]any{"maxTokens": 16}}
}

// checks returns the table's rows for one client; nonce makes every cached
// prefix unique to the run and the client.
func checks(nonce string) []check {
	p := func(name string) string { return prefix(nonce, name) }
	return append(converseChecks(p), otherChecks(p)...)
}

// mk makes a call.
func mk(g group, id, op string, params map[string]any) call {
	return call{ID: id, Op: op, Params: params, Group: g}
}

// converseChecks are the Converse rows: caching, the validation errors,
// SigV4 and API keys. p returns the check's unique prefix.
func converseChecks(p func(string) string) []check {
	c := mk
	return []check{
		{
			Op: opConverse, Name: "cache write then read",
			Calls: []call{
				c(groupSigV4, "converse-prime", opConverse, converseCached(modelClaude, p("converse"))),
				c(groupSigV4, "converse-repeat", opConverse, converseCached(modelClaude, p("converse"))),
			},
			Judge: writeThenRead(converseAnswer, converseUsageOf("usage")),
		},
		{
			Op: opConverse, Name: "Nova cachePoint in tools: 400 ValidationException",
			Calls: []call{c(groupSigV4, "converse-nova-tool-checkpoint", opConverse, novaToolCheckpoint())},
			Judge: errorIs(400, "ValidationException", msgNovaToolCheckpoint),
		},
		{
			Op: opConverse, Name: "5 checkpoints: 400 ValidationException",
			Calls: []call{c(groupSigV4, "converse-five-checkpoints", opConverse, fiveCheckpoints(p("five")))},
			Judge: errorIs(400, "ValidationException", msgTooManyCheckpoints),
		},
		{
			Op: opConverse, Name: "end-of-life model: 404 ResourceNotFoundException",
			Calls: []call{c(groupSigV4, "converse-end-of-life", opConverse, plain(modelEndOfLife))},
			Judge: errorIs(404, "ResourceNotFoundException", ""),
		},
		{
			Op: opConverse, Name: "SigV4 wrong secret: 403 InvalidSignatureException",
			Calls: []call{c(groupWrongSecret, "converse-wrong-secret", opConverse, plain(modelClaude))},
			Judge: errorIs(403, "InvalidSignatureException", msgSignatureMismatch),
		},
		{
			Op: opConverse, Name: "SigV4 wrong region: 403 InvalidSignatureException",
			Calls: []call{c(groupWrongRegion, "converse-wrong-region", opConverse, plain(modelClaude))},
			Judge: errorIs(403, "InvalidSignatureException", ""),
		},
		{
			Op: opConverse, Name: "bearer short-term key: cache write then read",
			Calls: []call{
				c(groupBearerA, "bearer-prime", opConverse, converseCached(modelClaude, p("bearer"))),
				c(groupBearerA, "bearer-repeat", opConverse, converseCached(modelClaude, p("bearer"))),
			},
			Judge: writeThenRead(converseAnswer, converseUsageOf("usage")),
		},
		{
			Op: opConverse, Name: "bearer keys isolated: B does not read A's prefix",
			Calls: []call{
				c(groupBearerA, "isolation-prime-a", opConverse, converseCached(modelClaude, p("isolation"))),
				c(groupBearerB, "isolation-first-b", opConverse, converseCached(modelClaude, p("isolation"))),
				c(groupBearerB, "isolation-repeat-b", opConverse, converseCached(modelClaude, p("isolation"))),
			},
			Judge: isolated,
		},
		{
			Op: opConverse, Name: "bearer malformed key: 403",
			Calls: []call{c(groupBearerMalformed, "bearer-malformed", opConverse, plain(modelClaude))},
			Judge: errorIs(403, "", msgAPIKeyMalformed),
		},
		{
			Op: opConverse, Name: "bearer key with a wrong signature: 403",
			Calls: []call{c(groupBearerForged, "bearer-forged", opConverse, plain(modelClaude))},
			Judge: errorIs(403, "", msgAPIKeyRejected),
		},
	}
}

// writeThenReadCheck is the row that sends body twice through op with
// SigV4 (calls "<id>-prime" and "<id>-repeat") and judges a cache write,
// then a read.
func writeThenReadCheck(op, id string, body map[string]any, judge func([]outcome) error) check {
	return check{
		Op: op, Name: "cache write then read",
		Calls: []call{
			mk(groupSigV4, id+"-prime", op, body),
			mk(groupSigV4, id+"-repeat", op, body),
		},
		Judge: judge,
	}
}

// otherChecks are the rows of the other operations.
func otherChecks(p func(string) string) []check {
	c := mk
	return []check{
		writeThenReadCheck(opConverseStream, "stream", converseCached(modelClaude, p("converse-stream")), writeThenRead(streamAnswer, streamUsage)),
		writeThenReadCheck(opInvoke, "invoke", invokeCached(modelClaude, p("invoke")), writeThenRead(invokeAnswer, invokeUsage)),
		writeThenReadCheck(opInvokeStream, "invoke-stream", invokeCached(modelClaude, p("invoke-stream")), writeThenRead(invokeStreamAnswer, invokeStreamUsage)),
		{
			Op: opCountTokens, Name: "count equals Converse's input (Sonnet 4.5 base ID)",
			Calls: []call{
				c(groupSigV4, "count-tokens", opCountTokens, countTokens(modelClaudeBare, p("count"))),
				c(groupSigV4, "count-tokens-converse", opConverse, converseCached(modelClaudeBare, p("count"))),
			},
			Judge: countMatches,
		},
		{
			Op: opCountTokens, Name: "inference profile: 400 ValidationException",
			Calls: []call{c(groupSigV4, "count-tokens-profile", opCountTokens, countTokens(modelClaude, p("count-profile")))},
			Judge: errorIs(400, "ValidationException", msgNoCountTokens),
		},
	}
}

// novaToolCheckpoint is a Nova request with a cachePoint as the second
// entry of toolConfig.tools.
func novaToolCheckpoint() map[string]any {
	r := plain(modelNova)
	r["toolConfig"] = map[string]any{"tools": []any{
		map[string]any{"toolSpec": map[string]any{
			"name":        "lookup",
			"description": "Looks a word up.",
			"inputSchema": map[string]any{"json": map[string]any{"type": "object", "properties": map[string]any{"word": map[string]any{"type": "string"}}}},
		}},
		map[string]any{"cachePoint": map[string]any{"type": "default"}},
	}}
	return r
}

// fiveCheckpoints is a Claude request with five cachePoint blocks, three in
// the system prompt and two in the user turn, each after text.
func fiveCheckpoints(p string) map[string]any {
	cp := map[string]any{"cachePoint": map[string]any{"type": "default"}}
	text := func(s string) map[string]any { return map[string]any{"text": s} }
	third := len(p) / 3
	return map[string]any{
		"modelId":         modelClaude,
		"system":          []any{text(p[:third]), cp, text(p[third : 2*third]), cp, text(p[2*third:]), cp},
		"messages":        []any{map[string]any{"role": "user", "content": []any{text("First question."), cp, text("Reply with one word: ready?"), cp}}},
		"inferenceConfig": map[string]any{"maxTokens": 16},
	}
}

// countTokens is a CountTokens request whose Converse input is
// converseCached's.
func countTokens(model, p string) map[string]any {
	conv := converseCached(model, p)
	return map[string]any{"modelId": model, "input": map[string]any{"converse": map[string]any{
		"system": conv["system"], "messages": conv["messages"],
	}}}
}

// errorIs judges a single call that must fail with status, code (unless
// "") and message (unless "").
func errorIs(status int, code, message string) func([]outcome) error {
	return func(o []outcome) error { return wantError(o[0], status, code, message) }
}

// writeThenRead judges a prime and a repeat of the same request: both
// answer (answer checks an output's shape), the prime writes the prefix
// (write > 0), the repeat reads what the prime wrote (read = the prime's
// write; FACTS.md: "Sonnet 4.5 write 1322 / input 2 / output 5 / total
// 1329, then read 1322 same totals"), and totals add up ("totalTokens =
// input + output + read + write in every recording").
func writeThenRead(answer func(any) error, usageOf func(any) (usage, error)) func([]outcome) error {
	return func(o []outcome) error {
		var us [2]usage
		for i := range 2 {
			if err := wantOK(o[i]); err != nil {
				return err
			}
			t := o[i].tree()
			if err := answer(t); err != nil {
				return fmt.Errorf("%s: %w", o[i].ID, err)
			}
			u, err := usageOf(t)
			if err != nil {
				return fmt.Errorf("%s: %w", o[i].ID, err)
			}
			if sum := u.input + u.output + u.read + u.write; u.total != sum {
				return fmt.Errorf("%s: totalTokens %d, want input+output+read+write = %d", o[i].ID, u.total, sum)
			}
			us[i] = u
		}
		prime, repeat := us[0], us[1]
		switch {
		case prime.write == 0:
			return fmt.Errorf("%s: %s = 0, want > 0 (the prefix is above the model's minimum)", o[0].ID, prime.writeField)
		case repeat.read == 0:
			return fmt.Errorf("%s: %s = 0, want > 0 (the repeat reads the primed prefix)", o[1].ID, repeat.readField)
		case repeat.read != prime.write:
			return fmt.Errorf("%s: %s = %d, want the prime's %s = %d", o[1].ID, repeat.readField, repeat.read, prime.writeField, prime.write)
		}
		return nil
	}
}

// isolated judges a prefix primed under key A, then sent twice under key
// B: B's first request must not read A's entry (each key is its own
// cache) and writes the prefix anew; B's repeat reads its own.
func isolated(o []outcome) error {
	var us [3]usage
	for i := range 3 {
		if err := wantOK(o[i]); err != nil {
			return err
		}
		u, err := converseUsage(o[i].tree(), "usage")
		if err != nil {
			return fmt.Errorf("%s: %w", o[i].ID, err)
		}
		us[i] = u
	}
	switch {
	case us[0].write == 0:
		return fmt.Errorf("%s: usage.cacheWriteInputTokens = 0, want > 0", o[0].ID)
	case us[1].read != 0:
		return fmt.Errorf("%s: usage.cacheReadInputTokens = %d, want 0 (key B read key A's prefix)", o[1].ID, us[1].read)
	case us[1].write == 0:
		return fmt.Errorf("%s: usage.cacheWriteInputTokens = 0, want > 0 (key B writes its own entry)", o[1].ID)
	case us[2].read == 0:
		return fmt.Errorf("%s: usage.cacheReadInputTokens = 0, want > 0 (key B reads its own entry)", o[2].ID)
	}
	return nil
}

// countMatches judges CountTokens against the same request made with
// Converse: FACTS.md, "AWS says the count matches what the same request
// would be charged", i.e. inputTokens + cacheReadInputTokens +
// cacheWriteInputTokens.
func countMatches(o []outcome) error {
	for i := range 2 {
		if err := wantOK(o[i]); err != nil {
			return err
		}
	}
	n, err := count(o[0].tree(), "inputTokens")
	if err != nil {
		return fmt.Errorf("%s: %w", o[0].ID, err)
	}
	u, err := converseUsage(o[1].tree(), "usage")
	if err != nil {
		return fmt.Errorf("%s: %w", o[1].ID, err)
	}
	if charged := u.input + u.read + u.write; n != charged {
		return fmt.Errorf("%s: inputTokens %d, want Converse's input+read+write = %d", o[0].ID, n, charged)
	}
	return nil
}

// converseAnswer checks a Converse output: an assistant message with text
// and a stop reason.
func converseAnswer(t any) error {
	if role, _ := at(t, "output", "message", "role"); role != "assistant" {
		return fmt.Errorf("output.message.role is %v, want assistant", role)
	}
	if text, _ := at(t, "output", "message", "content", 0, "text"); text == nil || text == "" {
		return errors.New("output.message.content[0].text is empty")
	}
	if r, _ := at(t, "stopReason"); r == nil || r == "" {
		return errors.New("no stopReason")
	}
	return nil
}

// converseUsageOf reads Converse's usage at key.
func converseUsageOf(key string) func(any) (usage, error) {
	return func(t any) (usage, error) { return converseUsage(t, key) }
}

// streamAnswer checks a ConverseStream output: messageStart, text deltas,
// messageStop and metadata events, in that order.
func streamAnswer(t any) error {
	evs, _ := at(t, "events")
	list, _ := evs.([]any)
	var kinds []string
	text := ""
	for _, ev := range list {
		m, _ := ev.(map[string]any)
		for k := range m {
			if len(kinds) == 0 || kinds[len(kinds)-1] != k {
				kinds = append(kinds, k)
			}
		}
		if d, ok := at(ev, "contentBlockDelta", "delta", "text"); ok {
			s, _ := d.(string)
			text += s
		}
	}
	got := strings.Join(kinds, ",")
	if !strings.HasPrefix(got, "messageStart,") || !strings.Contains(got, "contentBlockDelta") || !strings.HasSuffix(got, "messageStop,metadata") {
		return fmt.Errorf("events %s, want messageStart, contentBlockStart/Delta/Stop, messageStop, metadata", got)
	}
	if text == "" {
		return errors.New("no text in the contentBlockDelta events")
	}
	return nil
}

// streamUsage reads the usage of ConverseStream's final metadata event
// (FACTS.md: "usage only in the final metadata event, cache fields
// included").
func streamUsage(t any) (usage, error) {
	evs, _ := at(t, "events")
	list, _ := evs.([]any)
	if len(list) == 0 {
		return usage{}, errors.New("no events")
	}
	last := len(list) - 1
	if _, ok := at(list[last], "metadata"); !ok {
		return usage{}, errors.New("the last event is not metadata")
	}
	return converseUsage(t, "events", last, "metadata", "usage")
}

// invokeAnswer checks an InvokeModel output: an Anthropic message with text.
func invokeAnswer(t any) error {
	if typ, _ := at(t, "body", "type"); typ != "message" {
		return fmt.Errorf("body.type is %v, want message", typ)
	}
	if text, _ := at(t, "body", "content", 0, "text"); text == nil || text == "" {
		return errors.New("body.content[0].text is empty")
	}
	return nil
}

// invokeUsage reads the Anthropic body's usage (FACTS.md:
// cache_creation_input_tokens, cache_read_input_tokens).
func invokeUsage(t any) (usage, error) { return anthropicUsage(t, "body", "usage") }

// chunkIndex returns the index of the first stream chunk of the given
// Anthropic event type, or -1.
func chunkIndex(t any, typ string) int {
	evs, _ := at(t, "events")
	list, _ := evs.([]any)
	for i, ev := range list {
		if got, _ := at(ev, "chunk", "type"); got == typ {
			return i
		}
	}
	return -1
}

// invokeStreamAnswer checks an InvokeModelWithResponseStream output: chunks
// from message_start to message_stop with text deltas.
func invokeStreamAnswer(t any) error {
	if chunkIndex(t, "message_start") != 0 {
		return errors.New("the first chunk is not message_start")
	}
	if chunkIndex(t, "content_block_delta") < 0 || chunkIndex(t, "message_stop") < 0 {
		return errors.New("no content_block_delta or no message_stop chunk")
	}
	return nil
}

// invokeStreamUsage reads the usage of the message_start chunk, where the
// Anthropic stream reports the cache fields.
func invokeStreamUsage(t any) (usage, error) {
	i := chunkIndex(t, "message_start")
	if i < 0 {
		return usage{}, errors.New("no message_start chunk")
	}
	return anthropicUsage(t, "events", i, "chunk", "message", "usage")
}
