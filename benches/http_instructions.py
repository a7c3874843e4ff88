"""Instructions a Streamable HTTP request costs the server, counted by valgrind's callgrind.

usage: python3 benches/http_instructions.py [BIN...] [--requests N]
       (default BIN: target/dist/layerops-mcp; default N: 2000)

Wall-clock rates on a shared 2-core machine move by half from hour to hour; instruction
counts do not, so a change to the HTTP path is compared with this. Each BIN serves
`--http --sandbox --dry-run` under callgrind; one client on one keep-alive connection sends
200 warm-up `tools/call`s, then N more, once in a 2025-11-25 session and once as 2026-07-28
requests without one. The server's total with N requests minus its total with none,
divided by N, is what one request costs (start and warm-up cancel out).
"""
import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOOL = "layerops_list_projects"
META = {
    "io.modelcontextprotocol/protocolVersion": "2026-07-28",
    "io.modelcontextprotocol/clientCapabilities": {},
    "io.modelcontextprotocol/clientInfo": {"name": "bench", "version": "0"},
}


def total_instructions(binary, mode, requests):
    with tempfile.TemporaryDirectory() as scratch:
        out = os.path.join(scratch, "callgrind.out")
        server = subprocess.Popen(
            ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", binary, "serve",
             "--no-watch", "--sandbox", "--dry-run", "--http", "127.0.0.1:0", "--root", ROOT],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            port = None
            for line in server.stderr:
                found = re.search(r"MCP over HTTP on http://127\.0\.0\.1:(\d+)", line)
                if found:
                    port = int(found.group(1))
                    break
            if port is None:
                sys.exit(f"{binary} did not start an HTTP server")
            threading.Thread(target=lambda: [None for _ in server.stderr], daemon=True).start()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            send = client(connection, mode)
            for ident in range(200 + requests):
                send(ident)
        finally:
            server.terminate()
            server.wait(timeout=120)
        with open(out) as counts:
            for line in counts:
                if line.startswith("totals:") or line.startswith("summary:"):
                    return int(line.split()[1])
    sys.exit("callgrind wrote no totals")


def client(connection, mode):
    """A function that sends request number N and checks its answer."""
    headers = {"content-type": "application/json",
               "accept": "application/json, text/event-stream"}

    def post(body, extra):
        connection.request("POST", "/mcp", json.dumps(body), {**headers, **extra})
        answer = connection.getresponse()
        text = answer.read()
        if answer.status not in (200, 202):
            sys.exit(f"HTTP {answer.status}: {text[:300]!r}")
        return answer

    if mode == "session":
        answer = post({"jsonrpc": "2.0", "id": "init", "method": "initialize", "params": {
            "protocolVersion": "2025-11-25", "capabilities": {},
            "clientInfo": {"name": "bench", "version": "0"}}}, {})
        session = {"mcp-session-id": answer.getheader("mcp-session-id"),
                   "mcp-protocol-version": "2025-11-25"}
        post({"jsonrpc": "2.0", "method": "notifications/initialized"}, session)
        return lambda n: post({"jsonrpc": "2.0", "id": n, "method": "tools/call",
                               "params": {"name": TOOL, "arguments": {}}}, session)
    stateless = {"mcp-protocol-version": "2026-07-28", "mcp-method": "tools/call",
                 "mcp-name": TOOL}
    return lambda n: post({"jsonrpc": "2.0", "id": n, "method": "tools/call",
                           "params": {"name": TOOL, "arguments": {}, "_meta": META}}, stateless)


def main():
    args = sys.argv[1:]
    requests = 2000
    if "--requests" in args:
        at = args.index("--requests")
        requests = int(args[at + 1])
        del args[at:at + 2]
    binaries = args or [os.path.join(ROOT, "target/dist/layerops-mcp")]
    if shutil.which("valgrind") is None:
        sys.exit("valgrind is needed to count instructions: install it (apt-get install valgrind)")
    for binary in binaries:
        if not os.access(binary, os.X_OK):
            sys.exit(f"{binary} is not an executable: build it first (cargo build --profile dist)")
    for binary in binaries:
        for mode, label in (("session", "2025-11-25, one session"),
                            ("stateless", "2026-07-28, no session")):
            base = total_instructions(binary, mode, 0)
            loaded = total_instructions(binary, mode, requests)
            print(f"{binary}: {label}: {(loaded - base) / requests / 1000:.1f}k instructions "
                  f"a request ({requests} requests, dry run)", flush=True)


if __name__ == "__main__":
    main()
