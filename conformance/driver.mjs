// Conformance driver for the AWS SDK for JavaScript v3
// (@aws-sdk/client-bedrock-runtime), run by cmd/conformance.
//
// Usage: node driver.mjs PLAN.json
//
// The plan is {"groups": [{"name", "env": {VAR: value}, "calls": [{"id",
// "op", "params"}, ...]}, ...]}. For each group in order, the driver unsets
// every AWS_ variable, sets the group's, and builds a client exactly as an
// application builds it, `new BedrockRuntimeClient({})`: region,
// credentials or bearer token (AWS_BEARER_TOKEN_BEDROCK) and endpoint
// (AWS_ENDPOINT_URL_BEDROCK_RUNTIME) come from the environment, and the
// request handler is the client's default (its HTTP/2 handler for
// bedrock-runtime). The JS SDK ignores AWS_CA_BUNDLE: the orchestrator
// sets Node's NODE_EXTRA_CA_CERTS for the process instead. One JSON line
// per call goes to standard output as soon as the call ends:
//
//	{"id", "ok": true, "status", "output"}
//	{"id", "ok": false, "status", "code", "message"}   the service's error as the client exposes it
//	{"id", "ok": false, "transport": "..."}           the client failed without an HTTP answer
//
// The driver judges nothing: cmd/conformance holds the expectations.
import {
  BedrockRuntimeClient,
  ConverseCommand,
  ConverseStreamCommand,
  CountTokensCommand,
  InvokeModelCommand,
  InvokeModelWithResponseStreamCommand,
} from "@aws-sdk/client-bedrock-runtime";
import { readFileSync } from "node:fs";

// callTimeoutMs bounds one call, so that a hung connection costs one
// call's result, not the whole driver's.
const callTimeoutMs = 20000;

const commands = {
  Converse: (p) => new ConverseCommand(p),
  ConverseStream: (p) => new ConverseStreamCommand(p),
  CountTokens: (p) => new CountTokensCommand(p),
  InvokeModel: (p) =>
    new InvokeModelCommand({ ...p, body: JSON.stringify(p.body), contentType: "application/json", accept: "application/json" }),
  InvokeModelWithResponseStream: (p) =>
    new InvokeModelWithResponseStreamCommand({ ...p, body: JSON.stringify(p.body), contentType: "application/json", accept: "application/json" }),
};

const decoder = new TextDecoder();

// normalize turns a command's output into plain JSON: metadata dropped,
// streams read to the end, InvokeModel bodies and stream chunks parsed.
async function normalize(op, out) {
  const { $metadata, ...rest } = out;
  switch (op) {
    case "ConverseStream": {
      const events = [];
      for await (const ev of out.stream) events.push(ev);
      return { events };
    }
    case "InvokeModel":
      return { contentType: out.contentType, body: JSON.parse(decoder.decode(out.body)) };
    case "InvokeModelWithResponseStream": {
      const events = [];
      for await (const ev of out.body) {
        if (ev.chunk) events.push({ chunk: JSON.parse(decoder.decode(ev.chunk.bytes)) });
        else events.push(ev);
      }
      return { events };
    }
    default:
      return rest;
  }
}

async function run(client, call) {
  const make = commands[call.op];
  if (!make) return { id: call.id, unsupported: `client has no ${call.op} command` };
  try {
    const out = await client.send(make(call.params), { abortSignal: AbortSignal.timeout(callTimeoutMs) });
    const status = out.$metadata?.httpStatusCode;
    return { id: call.id, ok: true, status, output: await normalize(call.op, out) };
  } catch (e) {
    const status = e.$metadata?.httpStatusCode ?? e.$response?.statusCode;
    if (status === undefined) {
      const cause = e.cause ? ` (cause: ${e.cause.message ?? e.cause})` : "";
      return { id: call.id, ok: false, transport: `${e.name}${e.code ? " " + e.code : ""}: ${e.message}${cause}` };
    }
    return { id: call.id, ok: false, status, code: e.name, message: e.message };
  }
}

const plan = JSON.parse(readFileSync(process.argv[2], "utf8"));
for (const group of plan.groups) {
  for (const name of Object.keys(process.env)) if (name.startsWith("AWS_")) delete process.env[name];
  Object.assign(process.env, group.env);
  const client = new BedrockRuntimeClient({});
  for (const call of group.calls) {
    process.stdout.write(JSON.stringify(await run(client, call)) + "\n");
  }
  client.destroy();
}
