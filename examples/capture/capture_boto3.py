"""Log the Bedrock requests a boto3 client sends, for `cachecascade check`.

    import boto3
    from capture_boto3 import Capture

    client = boto3.client("bedrock-runtime")
    Capture("requests.jsonl", account="prod").install(client)
    # ... then, in CI: cachecascade check requests.jsonl

Each Converse, ConverseStream, InvokeModel and InvokeModelWithResponseStream
call appends one JSON line, the format Go's capture package writes:

    {"modelId": "...", "operation": "converse", "body": {...},
     "time": "2026-11-25T10:00:01.250Z", "account": "prod"}

The hook is botocore's before-send event, which sees the request exactly as
it goes on the wire: the body is logged byte for byte (as a JSON string
holding it when it spans lines). Only the first attempt of a call is logged,
not the SDK's retries. Account IDs in ARNs become 000000000000; no header, no
credential, no host is logged. A body that is not a UTF-8 JSON object is sent
as usual and not logged; that, and any write error, goes to on_error. The
hook never raises and never answers in the request's place.

Run as a script, `python3 capture_boto3.py LOG` sends a few requests with a
client configured by the environment (AWS_ENDPOINT_URL_BEDROCK_RUNTIME,
AWS_REGION, credentials) and logs them to LOG: the test in capture/ runs it
against the emulator.
"""

import datetime
import json
import logging
import os
import re
import sys
import threading
import urllib.parse

OPERATIONS = {
    "Converse": "converse",
    "ConverseStream": "converse-stream",
    "InvokeModel": "invoke",
    "InvokeModelWithResponseStream": "invoke-with-response-stream",
}

REDACTED_ACCOUNT = "000000000000"

# The account ID of an ARN, plain or URL-escaped (the recorder's expression).
_ACCOUNT_IN_ARN = re.compile(
    r"(arn(?::|%3a)aws[a-z-]*(?::|%3a)[a-z0-9-]+(?::|%3a)[a-z0-9-]*(?::|%3a))[0-9]{12}((?::|%3a))",
    re.IGNORECASE,
)

_ATTEMPT = re.compile(r"attempt=(\d+)")


def _redact(text):
    return _ACCOUNT_IN_ARN.sub(r"\g<1>" + REDACTED_ACCOUNT + r"\g<2>", text)


def _no_constants(name):
    raise ValueError(f"{name} is not JSON")


def _body_bytes(body):
    """The request body as bytes; a file-like body is read and rewound."""
    if body is None:
        return b""
    if isinstance(body, (bytes, bytearray)):
        return bytes(body)
    if isinstance(body, str):
        return body.encode("utf-8")
    start = body.tell()
    data = body.read()
    body.seek(start)
    return data if isinstance(data, bytes) else data.encode("utf-8")


def line(model_id, operation, body, when, account=""):
    """One log line (bytes, newline included); ValueError for a body that
    is not a UTF-8 JSON object."""
    try:
        text = body.decode("utf-8")
        value = json.loads(text, parse_constant=_no_constants)
    except ValueError as e:
        raise ValueError(f"body is not a UTF-8 JSON object: {e}") from None
    if not isinstance(value, dict):
        raise ValueError("body is not a UTF-8 JSON object")
    text = _redact(text)
    one_line = text.startswith("{") and text.endswith("}") and "\n" not in text and "\r" not in text
    out = '{"modelId":' + json.dumps(_redact(model_id), ensure_ascii=False)
    out += ',"operation":' + json.dumps(operation)
    out += ',"body":' + (text if one_line else json.dumps(text, ensure_ascii=False))
    out += ',"time":' + json.dumps(when.astimezone(datetime.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z"))
    if account:
        out += ',"account":' + json.dumps(account, ensure_ascii=False)
    return (out + "}\n").encode("utf-8")


def _model_id(url):
    seg = urllib.parse.urlsplit(url).path.split("/")
    if len(seg) < 3 or seg[-3] != "model" or not seg[-2]:
        raise ValueError(f"URL {url!r} names no model")
    return urllib.parse.unquote(seg[-2])


class Capture:
    """Appends the requests of the boto3 clients it is installed on to a
    JSON Lines file (created readable by its owner only). Thread-safe: each
    request is one os.write of one whole line, under a lock."""

    def __init__(self, path, account="", on_error=None):
        self.account = account
        self.on_error = on_error or (lambda e: logging.getLogger(__name__).warning("%s", e))
        self._lock = threading.Lock()
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)

    def install(self, client):
        """Registers the hook on a bedrock-runtime client; returns the client."""
        client.meta.events.register(
            "before-send.bedrock-runtime", self._before_send, unique_id=f"cachecascade-capture-{id(self)}"
        )
        return client

    def close(self):
        with self._lock:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None

    def _before_send(self, request, event_name, **kwargs):
        name = event_name.rsplit(".", 1)[-1]
        operation = OPERATIONS.get(name)
        if operation is None:
            return None
        attempt = _ATTEMPT.search(_header(request.headers, "amz-sdk-request"))
        if attempt and attempt.group(1) != "1":
            return None  # a retry of a call already logged
        try:
            model_id = _model_id(request.url)
            data = line(model_id, operation, _body_bytes(request.body), datetime.datetime.now(datetime.timezone.utc), self.account)
            with self._lock:
                if self._fd is None:
                    raise ValueError("capture is closed")
                view = memoryview(data)
                while view:
                    view = view[os.write(self._fd, view):]
        except Exception as e:  # never fail the call
            self.on_error(ValueError(f"capture: {name}: sent, not logged: {e}"))
        return None  # None: botocore sends the request


def _header(headers, name):
    value = headers.get(name) or ""
    return value.decode("ascii", "replace") if isinstance(value, bytes) else value


# --- the demo the test runs -------------------------------------------------

MODEL = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"


def _policy():
    rules = "".join(f"Rule {i}: a refund for an order damaged in transit is approved within three working days.\n" for i in range(150))
    return "You are the support agent of shop boto3. Follow the policy below exactly.\n" + rules


def demo(log_path):
    import boto3

    client = boto3.client("bedrock-runtime")
    capture = Capture(log_path, account="demo", on_error=lambda e: print(e, file=sys.stderr))
    capture.install(client)
    system = [{"text": _policy()}, {"cachePoint": {"type": "default"}}]
    messages = [{"role": "user", "content": [{"text": "Is order A-1042 refundable?"}]}]
    for _ in range(2):  # the same request twice: a cache write, then a read
        client.converse(modelId=MODEL, system=system, messages=messages, inferenceConfig={"maxTokens": 64})
    for _ in client.converse_stream(modelId=MODEL, system=system, messages=messages)["stream"]:
        pass
    body = {
        "anthropic_version": "bedrock-2023-05-31",
        "max_tokens": 64,
        "system": [{"type": "text", "text": _policy(), "cache_control": {"type": "ephemeral"}}],
        "messages": [{"role": "user", "content": "Is order A-1042 refundable?"}],
    }
    client.invoke_model(modelId=MODEL, body=json.dumps(body), contentType="application/json")
    for _ in client.invoke_model_with_response_stream(modelId=MODEL, body=json.dumps(body, indent=2), contentType="application/json")["body"]:
        pass
    client.count_tokens(modelId="anthropic.claude-sonnet-4-5-20250929-v1:0", input={"converse": {"messages": messages}})
    try:
        client.invoke_model(modelId=MODEL, body=b"not json", contentType="application/json")
    except client.exceptions.ValidationException:
        pass
    capture.close()


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python3 capture_boto3.py LOG")
    demo(sys.argv[1])
