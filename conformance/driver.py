"""Conformance driver for boto3 and the AWS CLI, run by cmd/conformance.

Usage: python3 driver.py boto3|cli PLAN.json

The plan is {"groups": [{"name", "env": {VAR: value}, "calls": [{"id",
"op", "params"}, ...]}, ...]}. For each group in order, the driver unsets
the previous group's AWS_ variables and sets this group's; the client is then configured
only by the environment, as an application or a shell user configures it:
region, credentials or bearer token (AWS_BEARER_TOKEN_BEDROCK), endpoint
(AWS_ENDPOINT_URL_BEDROCK_RUNTIME) and CA bundle (AWS_CA_BUNDLE). boto3
gets a client from a fresh session per group (the default session would
keep the first group's credentials); the CLI reads the environment on
every call. One JSON line per call goes to standard output as soon as the
call ends:

    {"id", "ok": true, "status", "output"}
    {"id", "ok": false, "status", "code", "message"}  the service's error as the client exposes it
    {"id", "ok": false, "transport": "..."}          the client failed without an HTTP answer
    {"id", "unsupported": "..."}                     the client has no such operation

The driver judges nothing: cmd/conformance holds the expectations.
"""

import contextlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

# CALL_TIMEOUT bounds one CLI call, so that a hung connection costs one
# call's result, not the whole driver's.
CALL_TIMEOUT = 20


def emit(line):
    sys.stdout.write(json.dumps(line, default=str) + "\n")
    sys.stdout.flush()


class Boto3:
    """Makes each call with one boto3 client built from the environment."""

    def __init__(self):
        self.client = None

    def start_group(self):
        import boto3

        self.client = boto3.session.Session().client("bedrock-runtime")

    def call(self, call):
        from botocore.exceptions import ClientError

        op, params = call["op"], dict(call["params"])
        method = {
            "Converse": "converse",
            "ConverseStream": "converse_stream",
            "InvokeModel": "invoke_model",
            "InvokeModelWithResponseStream": "invoke_model_with_response_stream",
            "CountTokens": "count_tokens",
        }.get(op)
        if method is None or not hasattr(self.client, method):
            return {"unsupported": f"client has no {op} method"}
        if op.startswith("InvokeModel"):
            params.update(body=json.dumps(params["body"]), contentType="application/json", accept="application/json")
        try:
            out = getattr(self.client, method)(**params)
            # A stream's errors arrive while it is read: read it inside the try.
            status = out.get("ResponseMetadata", {}).get("HTTPStatusCode")
            return {"ok": True, "status": status, "output": self.normalize(op, out)}
        except ClientError as e:
            err = e.response.get("Error", {})
            return {
                "ok": False,
                "status": e.response.get("ResponseMetadata", {}).get("HTTPStatusCode"),
                "code": err.get("Code"),
                "message": err.get("Message"),
            }
        except Exception as e:  # the client failed without an HTTP answer
            return {"ok": False, "transport": f"{type(e).__name__}: {e}"}

    @staticmethod
    def normalize(op, out):
        out = {k: v for k, v in out.items() if k != "ResponseMetadata"}
        if op == "ConverseStream":
            return {"events": list(out["stream"])}
        if op == "InvokeModel":
            return {"contentType": out.get("contentType"), "body": json.loads(out["body"].read())}
        if op == "InvokeModelWithResponseStream":
            events = []
            for ev in out["body"]:
                if "chunk" in ev:
                    events.append({"chunk": json.loads(ev["chunk"]["bytes"])})
                else:
                    events.append(ev)
            return {"events": events}
        return out


class CLI:
    """Makes each call with the AWS CLI, as a shell user would.

    Where python3 can import the CLI (awscli.clidriver, the module the `aws`
    script runs), each call runs the CLI's own entry point in this process,
    a fresh driver and session per call: the CLI's argument parsing,
    --cli-input-json, output and error reporting, without paying Python's
    start-up and the CLI's imports on every call. Otherwise each call runs
    the `aws` command.
    """

    COMMANDS = {
        "Converse": "converse",
        "ConverseStream": "converse-stream",
        "InvokeModel": "invoke-model",
        "InvokeModelWithResponseStream": "invoke-model-with-response-stream",
        "CountTokens": "count-tokens",
    }

    def __init__(self):
        self.tmp = tempfile.mkdtemp(prefix="conformance-cli-")
        try:
            import awscli.clidriver

            self.clidriver = awscli.clidriver
        except ImportError:
            self.clidriver = None

    def start_group(self):
        pass

    def close(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def args(self, call):
        op, params = call["op"], call["params"]
        args = ["bedrock-runtime", self.COMMANDS[op], "--output", "json"]
        outfile = None
        if op == "InvokeModel":
            body = os.path.join(self.tmp, call["id"] + ".body.json")
            with open(body, "w") as f:
                json.dump(params["body"], f)
            outfile = os.path.join(self.tmp, call["id"] + ".out.json")
            args += ["--model-id", params["modelId"], "--body", "fileb://" + body,
                     "--content-type", "application/json", "--accept", "application/json", outfile]
        else:
            path = os.path.join(self.tmp, call["id"] + ".json")
            with open(path, "w") as f:
                json.dump(params, f)
            args += ["--cli-input-json", "file://" + path]
        return args, outfile

    def run_inprocess(self, args):
        """Runs the CLI's entry point; returns (rc, stdout, stderr, status)."""
        statuses = []

        def after_call(http_response=None, **kwargs):
            if http_response is not None:
                statuses.append(http_response.status_code)

        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            driver = self.clidriver.create_clidriver()
            driver.session.register("after-call.bedrock-runtime", after_call)
            try:
                rc = driver.main(args)
            except SystemExit as e:  # argparse: unknown command or argument
                rc = e.code if isinstance(e.code, int) else 2
        return rc, out.getvalue(), err.getvalue(), statuses[-1] if statuses else None

    def run_command(self, args):
        """Runs `aws`; returns (rc, stdout, stderr, status)."""
        p = subprocess.run(["aws", *args, "--debug"], capture_output=True, text=True, timeout=CALL_TIMEOUT)
        # urllib3 logs each response as '"POST /model/... HTTP/1.1" 400 123'.
        statuses = re.findall(r'"[A-Z]+ /[^"]* HTTP/[0-9.]+" (\d{3})', p.stderr)
        return p.returncode, p.stdout, p.stderr, int(statuses[-1]) if statuses else None

    def call(self, call):
        args, outfile = self.args(call)
        try:
            run = self.run_inprocess if self.clidriver else self.run_command
            rc, stdout, stderr, status = run(args)
        except subprocess.TimeoutExpired:
            return {"ok": False, "transport": f"aws {args[1]} did not finish within {CALL_TIMEOUT} s"}
        # An unknown subcommand: "Invalid choice, valid choices are: ..."
        # before any request is made.
        if "Invalid choice" in stderr and status is None:
            return {"unsupported": "client has no such command"}
        if rc == 0:
            out = json.loads(stdout) if stdout.strip() else {}
            if outfile:
                with open(outfile) as f:
                    out = {"contentType": out.get("contentType"), "body": json.load(f)}
            return {"ok": True, "status": status, "output": out}
        m = re.search(r"An error occurred \(([^)]*)\) when calling the \w+ operation(?: \([^)]*\))?: (.*)", stderr)
        if m and status is not None:
            return {"ok": False, "status": status, "code": m.group(1), "message": m.group(2).strip()}
        last = [l for l in stderr.strip().splitlines() if l.strip()][-1:] or ["(no output)"]
        return {"ok": False, "status": status, "transport": f"aws exited {rc}: {last[0][:300]}"}


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("boto3", "cli"):
        sys.exit("usage: driver.py boto3|cli PLAN.json")
    with open(sys.argv[2]) as f:
        plan = json.load(f)
    client = Boto3() if sys.argv[1] == "boto3" else CLI()
    try:
        # The orchestrator starts the driver without AWS_ variables; any
        # present now are the CLI's own (importing awscli sets
        # AWS_DATA_PATH) and stay.
        own = {n for n in os.environ if n.startswith("AWS_")}
        for group in plan["groups"]:
            for name in [n for n in os.environ if n.startswith("AWS_") and n not in own]:
                del os.environ[name]
            os.environ.update(group["env"])
            client.start_group()
            for call in group["calls"]:
                emit({"id": call["id"], **client.call(call)})
    finally:
        getattr(client, "close", lambda: None)()


if __name__ == "__main__":
    main()
