"""Prints the resident memory of a server at rest: spawned over stdio with the built-in
sandbox, initialized, one tool called. Usage: python3 .ci/idle_memory.py BINARY"""

import json
import subprocess
import sys
import time

server = subprocess.Popen(
    [sys.argv[1], "serve", "--sandbox", "--toolsets", "all"],
    stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
)


def ask(ident, method, params):
    server.stdin.write((json.dumps(
        {"jsonrpc": "2.0", "id": ident, "method": method, "params": params}) + "\n").encode())
    server.stdin.flush()
    while True:
        line = server.stdout.readline()
        if not line:
            sys.exit("the server stopped")
        if f'"id":{ident},'.encode() in line:
            return json.loads(line)


ask(1, "initialize", {"protocolVersion": "2025-06-18", "capabilities": {},
                      "clientInfo": {"name": "ci", "version": "1"}})
answer = ask(2, "tools/call", {"name": "layerops_list_projects", "arguments": {}})
assert not answer["result"].get("isError"), answer
time.sleep(0.3)
with open(f"/proc/{server.pid}/status") as status:
    fields = dict(line.split(":", 1) for line in status)
print("at rest after one call:", ", ".join(
    f"{name} {fields[name].strip()}" for name in ("VmRSS", "RssAnon", "RssFile")))
server.stdin.close()
server.wait(timeout=10)
