// Package capture logs the Bedrock requests an application sends, for
// `cachecascade check` to explain what the prompt cache will do with them.
//
// A Logger is an option of the AWS SDK's bedrockruntime.Client: it adds a
// middleware that appends each Converse, ConverseStream, InvokeModel and
// InvokeModelWithResponseStream request, as sent, to a JSON Lines log:
//
//	log, err := capture.Open("requests.jsonl", capture.Config{Account: "prod"})
//	if err != nil { ... }
//	defer log.Close()
//	client := bedrockruntime.NewFromConfig(cfg, log.Option)
//	// ... then, in CI: cachecascade check requests.jsonl
//
// One line a request, in the format forecast.ReadLog reads:
//
//	{"modelId":"...","operation":"converse","body":{...},"time":"2026-11-25T10:00:01.250Z","account":"prod"}
//
// The body is the request's body byte for byte: embedded as it is when it is
// one line of JSON with nothing around it, else as a JSON string holding it
// (a pretty-printed InvokeModel body), which ReadLog decodes to the same
// bytes. The one change is the account ID of any ARN, in the model ID and in
// the body, which becomes 000000000000 (the recorder's RedactedAccount; the
// length is kept). Nothing else of the request is logged: no header, no
// credential, no signature, no host. CountTokens and the other operations
// (guardrails, async invocations, bidirectional streams) are not logged:
// the log's format has no operation for them.
//
// Capture never fails or alters a request: a body that is not a JSON object
// (InvokeModel takes any bytes) or not UTF-8 is sent as usual and left out
// of the log, and that and any write error go to Config.OnError and Err.
// The request is logged once per call, before the SDK's retries, when it is
// sent (so requests the service rejects are logged too: `check` predicts
// rejections).
package capture
