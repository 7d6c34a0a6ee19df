#!/usr/bin/env python3
"""Runs the native `bootstrap` against a fake Lambda Runtime API on 127.0.0.1 and checks two invocations:
summarize-run answers a run summary, and plan with bad input reports errorType InvalidInputException.
Proves the AOT binary's JSON (source-generated) and error reporting work outside the JIT."""
import json, os, subprocess, sys, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

STATE = {"plan": {"runId": "smoke-1", "plannedAt": "2026-01-01T00:00:00+00:00", "targetServer": "server3",
                  "fileSystemId": "fs-0123456789abcdef0", "action": "none", "dataLossWindowSeconds": 0},
         "node": {"commandId": "c", "startedAt": "2026-01-01T00:00:10+00:00", "done": True, "completedAt": "2026-01-01T00:00:40+00:00"}}

def main(bootstrap):
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    with open(os.path.join(root, "config", "cluster.example.json"), encoding="utf-8") as f:
        config = f.read()
    results = {}
    queue = [("summarize-run", "req-1", STATE), ("plan", "req-2", {"input": {"targetServer": "bad name!"}, "executionName": "x"})]
    done = threading.Event()

    class Api(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            if not queue:
                done.set()
                time.sleep(30)
                return
            handler, request_id, event = queue[0]
            body = json.dumps(event).encode()
            self.send_response(200)
            self.send_header("Lambda-Runtime-Aws-Request-Id", request_id)
            self.send_header("Lambda-Runtime-Deadline-Ms", str(int(time.time() * 1000) + 30000))
            self.send_header("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-west-2:123456789012:function:smoke")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self):
            length = int(self.headers.get("Content-Length", "0"))
            payload = self.rfile.read(length)
            results[self.path] = (payload, self.headers.get("Lambda-Runtime-Function-Error-Type"))
            self.send_response(202)
            self.send_header("Content-Length", "0")
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Api)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    procs = []
    for handler, _, _ in list(queue):
        env = dict(os.environ, AWS_LAMBDA_RUNTIME_API=f"127.0.0.1:{port}", _HANDLER=handler, AWS_REGION="us-west-2",
                   EFSDR_CONFIG=config, AWS_ACCESS_KEY_ID="x", AWS_SECRET_ACCESS_KEY="y")
        proc = subprocess.Popen([bootstrap], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        deadline = time.time() + 30
        expected = len(results) + 1
        while len(results) < expected and time.time() < deadline:
            time.sleep(0.05)
        proc.kill()
        output = proc.communicate()[0].decode(errors="replace")
        procs.append(output)
        queue.pop(0)

    summary = results.get("/2018-06-01/runtime/invocation/req-1/response")
    error = results.get("/2018-06-01/runtime/invocation/req-2/error")
    ok = True
    if summary is None or json.loads(summary[0]).get("activeServer") != "server3":
        print(f"smoke: summarize-run did not answer a summary: {summary} {procs[0]}", file=sys.stderr)
        ok = False
    if error is None or error[1] != "InvalidInputException" or json.loads(error[0]).get("errorType") != "InvalidInputException":
        print(f"smoke: plan did not report InvalidInputException: {error} {procs[1] if len(procs) > 1 else ''}", file=sys.stderr)
        ok = False
    server.shutdown()
    if ok:
        print("smoke: native bootstrap answered summarize-run and reported InvalidInputException from plan")
    return 0 if ok else 1

if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
