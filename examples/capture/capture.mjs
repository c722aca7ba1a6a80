// Log the Bedrock requests an AWS SDK for JavaScript v3 client sends, for
// `cachecascade check`.
//
//   import { BedrockRuntimeClient } from "@aws-sdk/client-bedrock-runtime";
//   import { capture } from "./capture.mjs";
//
//   const client = new BedrockRuntimeClient({});
//   capture(client, "requests.jsonl", { account: "prod" });
//   // ... then, in CI: cachecascade check requests.jsonl
//
// Each Converse, ConverseStream, InvokeModel and InvokeModelWithResponseStream
// command appends one JSON line, the format Go's capture package writes:
//
//   {"modelId":"...","operation":"converse","body":{...},"time":"2026-11-25T10:00:01.250Z","account":"prod"}
//
// The hook is a middleware at the end of the build step: after
// serialization, before the retry loop (finalizeRequest), so each command is
// logged once with the body every attempt sends, byte for byte (as a JSON
// string holding it when it spans lines). Account IDs in ARNs become
// 000000000000; no header, no credential, no host is logged. A body that is
// not a UTF-8 JSON object is sent as usual and not logged; that, and any
// write error, goes to onError. The middleware never throws.
//
// Run as a script, `node capture.mjs LOG` sends a few requests with a client
// configured by the environment (AWS_ENDPOINT_URL_BEDROCK_RUNTIME, AWS_REGION,
// credentials) and logs them to LOG: the test in capture/ runs it against the
// emulator.
import { closeSync, openSync, writeSync } from "node:fs";
import { pathToFileURL } from "node:url";

const operations = {
  ConverseCommand: "converse",
  ConverseStreamCommand: "converse-stream",
  InvokeModelCommand: "invoke",
  InvokeModelWithResponseStreamCommand: "invoke-with-response-stream",
};

export const redactedAccount = "000000000000";

// The account ID of an ARN, plain or URL-escaped (the recorder's expression).
const accountInArn = /(arn(?::|%3a)aws[a-z-]*(?::|%3a)[a-z0-9-]+(?::|%3a)[a-z0-9-]*(?::|%3a))[0-9]{12}((?::|%3a))/gi;

const redact = (s) => s.replace(accountInArn, `$1${redactedAccount}$2`);

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

// bodyText returns a request body as the text sent; it throws for a body
// that is not UTF-8 (or is a stream, which the log cannot hold).
function bodyText(body) {
  if (typeof body === "string") return body;
  if (body instanceof Uint8Array) return utf8.decode(body);
  throw new Error(`body is a ${body?.constructor?.name ?? typeof body}, not bytes`);
}

// line returns one log line, newline included; it throws for a body that is
// not a UTF-8 JSON object.
export function line(modelId, operation, body, when, account = "") {
  let text;
  try {
    text = bodyText(body);
    const v = JSON.parse(text);
    if (v === null || typeof v !== "object" || Array.isArray(v)) throw new Error("not an object");
  } catch (e) {
    throw new Error(`body is not a UTF-8 JSON object: ${e.message}`);
  }
  text = redact(text);
  const oneLine = text.startsWith("{") && text.endsWith("}") && !/[\r\n]/.test(text);
  let out = `{"modelId":${JSON.stringify(redact(modelId))},"operation":${JSON.stringify(operation)}`;
  out += `,"body":${oneLine ? text : JSON.stringify(text)},"time":${JSON.stringify(when.toISOString())}`;
  if (account) out += `,"account":${JSON.stringify(account)}`;
  return out + "}\n";
}

function modelIdOf(path) {
  const seg = path.split("/");
  if (seg.length < 3 || seg.at(-3) !== "model" || !seg.at(-2)) throw new Error(`path ${path} names no model`);
  return decodeURIComponent(seg.at(-2));
}

// capture adds the middleware to a BedrockRuntimeClient and returns
// { close }. The file is created readable by its owner only.
export function capture(client, path, { account = "", onError = (e) => console.warn(e.message) } = {}) {
  let fd = openSync(path, "a", 0o600);
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const operation = operations[context.commandName];
      if (operation) {
        try {
          if (fd === undefined) throw new Error("capture is closed");
          const buf = Buffer.from(line(modelIdOf(args.request.path), operation, args.request.body, new Date(), account));
          for (let off = 0; off < buf.length; ) off += writeSync(fd, buf, off);
        } catch (e) {
          onError(new Error(`capture: ${context.commandName}: sent, not logged: ${e.message}`));
        }
      }
      return next(args);
    },
    { step: "build", priority: "low", name: "cachecascadeCapture", override: true },
  );
  return {
    close() {
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
    },
  };
}

// --- the demo the test runs ------------------------------------------------

const model = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";

function policy() {
  let rules = "";
  for (let i = 0; i < 150; i++) rules += `Rule ${i}: a refund for an order damaged in transit is approved within three working days.\n`;
  return "You are the support agent of shop javascript. Follow the policy below exactly.\n" + rules;
}

async function demo(logPath) {
  const sdk = await import("@aws-sdk/client-bedrock-runtime");
  const client = new sdk.BedrockRuntimeClient({});
  const log = capture(client, logPath, { account: "demo", onError: (e) => console.error(e.message) });
  const system = [{ text: policy() }, { cachePoint: { type: "default" } }];
  const messages = [{ role: "user", content: [{ text: "Is order A-1042 refundable?" }] }];
  for (let i = 0; i < 2; i++) {
    // the same request twice: a cache write, then a read
    await client.send(new sdk.ConverseCommand({ modelId: model, system, messages, inferenceConfig: { maxTokens: 64 } }));
  }
  const cs = await client.send(new sdk.ConverseStreamCommand({ modelId: model, system, messages }));
  for await (const _ of cs.stream);
  const body = {
    anthropic_version: "bedrock-2023-05-31",
    max_tokens: 64,
    system: [{ type: "text", text: policy(), cache_control: { type: "ephemeral" } }],
    messages: [{ role: "user", content: "Is order A-1042 refundable?" }],
  };
  await client.send(new sdk.InvokeModelCommand({ modelId: model, body: JSON.stringify(body), contentType: "application/json" }));
  const is = await client.send(
    new sdk.InvokeModelWithResponseStreamCommand({ modelId: model, body: JSON.stringify(body, null, 2), contentType: "application/json" }),
  );
  for await (const _ of is.body);
  await client.send(new sdk.CountTokensCommand({ modelId: "anthropic.claude-sonnet-4-5-20250929-v1:0", input: { converse: { messages } } }));
  try {
    await client.send(new sdk.InvokeModelCommand({ modelId: model, body: new TextEncoder().encode("not json"), contentType: "application/json" }));
  } catch (e) {
    if (e.name !== "ValidationException") throw e;
  }
  log.close();
  client.destroy();
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (process.argv.length !== 3) {
    console.error("usage: node capture.mjs LOG");
    process.exit(2);
  }
  await demo(process.argv[2]);
}
