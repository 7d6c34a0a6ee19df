#!/usr/bin/env python3
"""Benchmark helper of bench/cold-start.sh (not a test): a fake Lambda Runtime API and a fake Route 53 on one loopback
HTTP server, and the clock that times a Lambda cold start.

Each timed run spawns one fresh process of a variant (the Native AOT `bootstrap`, or the framework-dependent build of the
same project) with `_HANDLER=check-dns` and Lambda's environment. The process asks the Runtime API for its one event, a
failover state whose DNS change is still unconfirmed; the handler makes ONE signed AWS call, Route 53 GetChange, which
AWS_ENDPOINT_URL_ROUTE_53 sends to this server; the server answers INSYNC and the handler posts its result to
/runtime/invocation/{id}/response. The run's figure is the time from just before posix_spawn to the moment this server
starts handling that POST, both read from time.perf_counter_ns (CLOCK_MONOTONIC) in this one process. The process is
then killed and reaped with wait4, whose rusage gives its CPU time and peak RSS (what GNU time -v reports), so no
wrapper process sits inside the timed span.

Also recorded per run, on the same clock: when the first GET /runtime/invocation/next arrived (the runtime and the
composition root are up) and when the signed GetChange arrived (the handler has parsed the event and signed).

Variants run in rounds; each round runs every variant once, and the order is rotated from round to round so that
neither build always runs first. One untimed run per variant comes first (checks the answer, warms the page cache).

Usage: cold-start-harness.py --runs N --out-dir DIR [--signal KILL|TERM] --variant NAME=ARGV [--variant NAME=ARGV ...]
  ARGV is the command, words separated by spaces (paths with spaces are not supported).
Writes DIR/samples.tsv (one line per timed run) and DIR/<variant>.log (the last run's stdout and stderr).
Exit codes: 0 measured; 2 bad usage; 3 a run failed (no response in time, an error response, a wrong answer, or not
exactly one correctly signed AWS call).
"""
import argparse
import json
import os
import re
import signal
import sys
import threading
import time
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HANDLER = "check-dns"
CHANGE_ID = "C0BENCH0COLDSTART"
RUN_TIMEOUT_S = 30
ACCESS_KEY = "ASIABENCHCOLDSTART00"
SESSION_TOKEN = "bench-session-token"
# Route 53 is global and signed for us-east-1 whatever the function's region (Route53Client.Region).
SIGNATURE = re.compile(r"^AWS4-HMAC-SHA256 Credential=" + ACCESS_KEY + r"/\d{8}/us-east-1/route53/aws4_request, "
                       r"SignedHeaders=[a-z0-9;-]*host[a-z0-9;-]*, Signature=[0-9a-f]{64}$")
GET_CHANGE = f"/2013-04-01/change/{CHANGE_ID}"
CHANGE_XML = ('<?xml version="1.0" encoding="UTF-8"?>\n'
              '<GetChangeResponse xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><ChangeInfo>'
              f'<Id>/change/{CHANGE_ID}</Id><Status>INSYNC</Status><SubmittedAt>2026-12-03T00:00:00.000Z</SubmittedAt>'
              '</ChangeInfo></GetChangeResponse>').encode()


def event_body(run_id):
    """The failover state as the workflow hands it to CheckDns in a cross-region failover: the plan and what every step
    before it recorded (the run lock, the TTL, the ex-primary's deactivation and fencing, the promotion, the node
    command) and the DNS change SwitchDns started a moment ago. CheckDns reads only the plan and the DNS state; the rest
    is what a real invocation carries and has to get past."""
    now = datetime.now(timezone.utc).isoformat()
    arn = f"arn:aws:states:us-west-2:123456789012:execution:efsdr-failover:{run_id}"
    nodes = [{"server": server, "instanceId": f"i-0{n}23456789abcdef0", "region": "us-east-1", "commandId": f"cmd-{n}",
              "status": "deactivated", "regionUnreachable": False} for n, server in ((1, "server1"), (2, "server2"))]
    return json.dumps({
        "plan": {"runId": run_id, "executionArn": arn, "plannedAt": now, "targetServer": "server3",
                 "targetRegion": "us-west-2", "targetInstanceId": "i-0323456789abcdef0", "targetIp": "10.1.0.13",
                 "targetAvailabilityZone": "us-west-2a", "fileSystemId": "fs-0fedcba9876543210",
                 "fileSystemName": "efsdr-cluster", "regions": ["us-east-1", "us-west-2"], "action": "promote",
                 "decision": "promote the replica in us-west-2: the primary in us-east-1 is unreachable",
                 "sourceFileSystemId": "fs-0123456789abcdef0", "sourceRegion": "us-east-1", "replicationStatus": "enabled",
                 "fenceExPrimary": True, "lastReplicatedTimestamp": now, "dataLossWindowSeconds": 42.5,
                 "nextEpoch": 3, "reason": "bench", "preflight": ["target node answers", "replica enabled"],
                 "warnings": [], "unreadableRegions": [], "acceptedRisks": [], "mountPoint": "/mnt/efs",
                 "mountMethod": "efs-utils", "unit": "minio", "healthUrl": "http://127.0.0.1:9000/minio/health/live",
                 "dns": {"hostedZoneId": "Z0BENCH", "recordName": "app.example.com", "ttl": 300, "failoverTtl": 30},
                 "waits": {"promotionSeconds": 30, "nodeSeconds": 10, "dnsSeconds": 10, "syncSeconds": 30},
                 "budgets": {"promotionSeconds": 4200, "nodeCommandSeconds": 600, "healthSeconds": 120,
                             "dnsSeconds": 600, "syncSeconds": 1800}},
        "lock": {"fileSystemName": "efsdr-cluster", "path": "/efsdr/run-lock/efsdr-cluster",
                 "owner": {"executionArn": arn, "runId": run_id, "targetServer": "server3"},
                 "held": [{"region": "us-west-2", "generation": 7, "parameterName": "/efsdr/run-lock/efsdr-cluster",
                           "alreadyHeld": False}],
                 "skipped": [{"region": "us-east-1", "reason": "unreachable"}]},
        "ttl": {"lowered": True, "at": now},
        "deactivation": {"at": now, "nodes": nodes, "note": "deactivation sent to server1 and server2"},
        "fencing": {"fenced": True, "changed": True, "regionUnreachable": False, "fileSystemId": "fs-0123456789abcdef0",
                    "region": "us-east-1", "fencedEpoch": 2, "detail": "read-only and tagged fenced", "nodes": nodes},
        "promotion": {"startedAt": now, "deletionMode": "replica", "notFoundCount": 2, "checks": 9,
                      "lastStatus": "writable", "protection": "ENABLED", "done": True, "completedAt": now,
                      "lastSeenAt": now, "goneAt": now, "expectedSeconds": 720, "expectedFrom": "history",
                      "nextWaitSeconds": 0, "watched": True, "heldSeconds": 61.5},
        "node": {"commandId": "cmd-3", "startedAt": now, "lastStatus": "success", "checks": 2, "done": True,
                 "completedAt": now, "outputTail": "efsdr-node: activated", "nextWaitSeconds": 0, "heldSeconds": 4.0},
        "dns": {"changeId": CHANGE_ID, "startedAt": now, "previousValue": "10.0.0.11", "checks": 0, "done": False},
    }).encode()


class Run:
    """One process's invocation: what the fake endpoints saw, on the harness's clock."""

    def __init__(self, request_id):
        self.request_id = request_id
        self.event = event_body(request_id)
        self.next_ns = None
        self.aws_ns = None
        self.response_ns = None
        self.aws_calls = 0
        self.problems = []
        self.answer = None
        self.answered = threading.Event()
        self.over = threading.Event()


class Server(ThreadingHTTPServer):
    """The fake endpoints' server; a killed process resetting its connection is expected, not an error to print."""
    daemon_threads = True
    run = None

    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)


class Api(BaseHTTPRequestHandler):
    """The Runtime API (2018-06-01) and Route 53 GetChange, both for the server's current Run."""
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, body=b"", headers=()):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        now = time.perf_counter_ns()
        run = self.server.run
        if self.path == "/2018-06-01/runtime/invocation/next":
            self.next_event(run, now)
        elif self.path == GET_CHANGE:
            self.get_change(run, now)
        else:
            run.problems.append(f"unexpected GET {self.path}")
            self.reply(404)

    def next_event(self, run, now):
        if run.next_ns is not None:
            # The second /next: the one invocation is over; hold it until the harness kills the process.
            run.over.wait(RUN_TIMEOUT_S)
            self.close_connection = True
            return
        run.next_ns = now
        deadline_ms = int(time.time() * 1000) + 60_000
        self.reply(200, run.event, [
            ("Content-Type", "application/json"),
            ("Lambda-Runtime-Aws-Request-Id", run.request_id),
            ("Lambda-Runtime-Deadline-Ms", str(deadline_ms)),
            ("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-west-2:123456789012:function:efsdr-check-dns"),
            ("Lambda-Runtime-Trace-Id", "Root=1-00000000-000000000000000000000000;Sampled=0"),
        ])

    def get_change(self, run, now):
        run.aws_calls += 1
        run.aws_ns = run.aws_ns or now
        authorization = self.headers.get("Authorization", "")
        if not SIGNATURE.match(authorization):
            run.problems.append(f"GetChange is not SigV4-signed for us-east-1/route53 with the run's key: {authorization!r}")
        if self.headers.get("X-Amz-Security-Token") != SESSION_TOKEN:
            run.problems.append("GetChange does not carry the session token")
        if not self.headers.get("X-Amz-Date"):
            run.problems.append("GetChange has no X-Amz-Date")
        self.reply(200, CHANGE_XML, [("Content-Type", "text/xml"), ("x-amzn-RequestId", "bench-request")])

    def do_POST(self):
        now = time.perf_counter_ns()
        run = self.server.run
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if self.path == f"/2018-06-01/runtime/invocation/{run.request_id}/response":
            run.response_ns = now
            run.answer = body
        else:
            run.problems.append(f"POST {self.path}: {body[:500].decode(errors='replace')}")
        self.reply(202, b'{"status":"OK"}', [("Content-Type", "application/json")])
        run.answered.set()


def child_environment(port):
    """Lambda's environment for a provided.al2023 function (template.yaml's variables included), with the endpoints
    pointed at the fake server and no proxy between them."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("AWS_", "EFSDR_", "_HANDLER")) and k.lower() not in ("http_proxy", "https_proxy", "all_proxy")}
    env.update({
        "AWS_LAMBDA_RUNTIME_API": f"127.0.0.1:{port}",
        "_HANDLER": HANDLER,
        "AWS_REGION": "us-west-2",
        "AWS_DEFAULT_REGION": "us-west-2",
        "AWS_ACCESS_KEY_ID": ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": "bench/secret/access/key/0000000000000000",
        "AWS_SESSION_TOKEN": SESSION_TOKEN,
        "AWS_ENDPOINT_URL_ROUTE_53": f"http://127.0.0.1:{port}",
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_LAMBDA_FUNCTION_NAME": "efsdr-check-dns",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_LOG_FORMAT": "JSON",
        "AWS_LAMBDA_LOG_LEVEL": "INFO",
        "EFSDR_CONFIG_PARAMETER": "/efsdr/configuration",
        "EFSDR_NODE_DOCUMENT": "efsdr-node",
        "NO_PROXY": "127.0.0.1",
        "no_proxy": "127.0.0.1",
    })
    return env


def run_once(server, argv, env, log_path, request_id, stop_signal=signal.SIGKILL):
    """Spawns one process, waits for its response, kills it. Returns (Run, t0_ns, rusage) or raises RuntimeError."""
    run = Run(request_id)
    server.run = run
    actions = [(os.POSIX_SPAWN_OPEN, 0, "/dev/null", os.O_RDONLY, 0),
               (os.POSIX_SPAWN_OPEN, 1, log_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644),
               (os.POSIX_SPAWN_DUP2, 1, 2)]
    t0 = time.perf_counter_ns()
    pid = os.posix_spawn(argv[0], argv, env, file_actions=actions)
    answered = run.answered.wait(RUN_TIMEOUT_S)
    try:
        os.kill(pid, stop_signal)
    except ProcessLookupError:
        pass
    _, status, rusage = os.wait4(pid, 0)
    run.over.set()
    if not answered:
        exited = f"exited {os.waitstatus_to_exitcode(status)}" if os.WIFEXITED(status) else "still running"
        raise RuntimeError(f"no answer within {RUN_TIMEOUT_S} s ({exited})")
    check(run)
    return run, t0, rusage


def check(run):
    if run.aws_calls != 1:
        run.problems.append(f"{run.aws_calls} GetChange calls, expected exactly 1")
    try:
        answer = json.loads(run.answer) if run.answer is not None else None
    except ValueError:
        answer = None
    if not isinstance(answer, dict) or answer.get("done") is not True or answer.get("checks") != 1:
        run.problems.append(f"the answer is not a confirmed DNS state after one check: {run.answer!r}")
    if run.problems:
        raise RuntimeError("; ".join(run.problems))


def main():
    parser = argparse.ArgumentParser(description="Times Lambda cold starts against a fake Runtime API (see the module doc).")
    parser.add_argument("--runs", type=int, required=True)
    parser.add_argument("--out-dir", required=True)
    parser.add_argument("--variant", action="append", required=True, help="NAME=ARGV")
    parser.add_argument("--signal", default="KILL", choices=["KILL", "TERM"],
                        help="how each process is ended after its response (TERM lets a wrapper such as strace -o flush)")
    args = parser.parse_args()
    variants = []
    for spec in args.variant:
        name, _, command = spec.partition("=")
        argv = command.split(" ")
        if not name or not command or not os.access(argv[0], os.X_OK):
            print(f"cold-start-harness: bad --variant {spec!r} (NAME=ARGV, ARGV[0] executable)", file=sys.stderr)
            return 2
        variants.append((name, argv))
    if args.runs < 1:
        print("cold-start-harness: --runs must be at least 1", file=sys.stderr)
        return 2

    server = Server(("127.0.0.1", 0), Api)
    server.run = Run("none")
    threading.Thread(target=server.serve_forever, daemon=True).start()
    env = child_environment(server.server_address[1])
    stop_signal = signal.SIGTERM if args.signal == "TERM" else signal.SIGKILL
    samples = os.path.join(args.out_dir, "samples.tsv")
    try:
        with open(samples, "w", encoding="utf-8") as out:
            out.write("variant\tround\tposition\tfirst_response_ms\tnext_ms\taws_call_ms\tcpu_ms\tpeak_rss_kib\n")
            for name, argv in variants:
                run_once(server, argv, env, os.path.join(args.out_dir, f"{name}.log"), f"warm-{name}", stop_signal)
            for round_ in range(1, args.runs + 1):
                shift = (round_ - 1) % len(variants)
                for position, (name, argv) in enumerate(variants[shift:] + variants[:shift], start=1):
                    run, t0, rusage = run_once(server, argv, env, os.path.join(args.out_dir, f"{name}.log"), f"{name}-{round_}", stop_signal)
                    ms = lambda ns: f"{(ns - t0) / 1e6:.2f}"
                    cpu = (rusage.ru_utime + rusage.ru_stime) * 1000
                    out.write(f"{name}\t{round_}\t{position}\t{ms(run.response_ns)}\t{ms(run.next_ns)}\t{ms(run.aws_ns)}\t{cpu:.1f}\t{rusage.ru_maxrss}\n")
    except RuntimeError as error:
        print(f"cold-start-harness: {name}: {error}", file=sys.stderr)
        print(f"cold-start-harness: its output is in {os.path.join(args.out_dir, name + '.log')}", file=sys.stderr)
        return 3
    finally:
        server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
