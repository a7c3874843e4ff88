#!/usr/bin/env python3
"""Writes link/hot-text.txt: the functions a server runs from its start to rest (initialize,
the lists, two tool calls, as the bench's idle measure), over stdio and over Streamable HTTP,
which build.rs places together at the start of the binary's code; and link/load-text.txt:
the functions it runs only when serving HTTP clients at once (sessions of their own, one
shared session, 2026-07-28 requests without one; with the sandbox answering and in a dry
run), placed right after them, so that a server under load maps those together too instead
of a 64 KB block around each.

A server at rest is mostly its binary's code pages. The kernel maps a file's pages 64 KB at
a time around each one touched, so code run at start, scattered over the whole binary,
made nearly all of it resident (8 of 9.6 MB in a `dist` build); placed together, only that
part is (docs/performance.md, "Code run at rest, placed together").

Usage: python3 link/hot-text.py BINARY...   (needs valgrind)
       python3 link/hot-text.py --load BINARY...   (only load-text.txt, after hot-text.txt)
       python3 link/hot-text.py --unlisted BINARY

Each BINARY is run under callgrind through the same session, RUNS_PER_BINARY times, and the
functions it ran that the binary defines are written out, the union for all runs and
binaries; then once through the load, whose functions not already listed go to
load-text.txt (a function it misses only costs a page under load). Symbol names carry a
hash of the build's configuration (toolchain, Cargo.lock, features, profile settings), so
run it on the builds that are published and measured, after changing any of those:

  cargo build --profile dist --locked --features full && cp target/dist/layerops-mcp /tmp/full
  cargo build --profile dist --locked && cp target/dist/layerops-mcp /tmp/plain
  cargo build --release --locked
  python3 link/hot-text.py /tmp/full /tmp/plain target/release/layerops-mcp

With --unlisted, nothing is written: it says how many functions BINARY ran in the sessions
that the list does not name, and fails above MAX_UNLISTED. A list can still match most
names and yet miss the ones a change renamed or added: 111 such functions (of 4,600) left
the published build at 13.3 MB at rest instead of 11.2 (docs/performance.md), which
counting the listed functions did not notice.
"""

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))

# With a list written from the same build, a session runs none it does not name; a few may
# differ from run to run (which thread gets to a lock first, which tasks are still alive at
# shutdown): one session of a fresh list's own build left 2 to 23 unlisted.
MAX_UNLISTED = 30

# Sessions per binary whose functions the list takes together, so that the paths one run
# happens to take are listed too.
RUNS_PER_BINARY = 3


def session(command):
    """What an MCP client does from spawning the server to leaving it at rest."""
    server = subprocess.Popen(
        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
    )

    def send(message):
        server.stdin.write((json.dumps(message) + "\n").encode())
        server.stdin.flush()

    def answer(ident):
        while True:
            line = server.stdout.readline()
            if not line:
                sys.exit("the server stopped during the session")
            if f'"id":{ident},'.encode() in line:
                return json.loads(line)

    send({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {},
        "clientInfo": {"name": "hot-text", "version": "1"}}})
    answer(1)
    send({"jsonrpc": "2.0", "method": "notifications/initialized"})
    def request(ident, method, params):
        send({"jsonrpc": "2.0", "id": ident, "method": method, "params": params})
        reply = answer(ident)
        if "error" in reply or reply.get("result", {}).get("isError"):
            sys.exit(f"{method} failed: {json.dumps(reply)[:300]}")
        return reply

    request(2, "tools/list", {})
    request(3, "resources/list", {})
    request(4, "prompts/list", {})
    projects = request(5, "tools/call", {
        "name": "layerops_list_projects", "arguments": {"includeEnvironments": True}})
    text = projects["result"]["content"][0]["text"]
    environment = json.loads(text)["workspaces"][0]["environments"][0]["uuid"]
    request(6, "tools/call", {
        "name": "layerops_list_services", "arguments": {"environmentId": environment}})
    server.stdin.close()
    server.wait()


@contextlib.contextmanager
def running_http(command):
    """Runs an HTTP server for the block and yields the URL it serves on; stops it with
    SIGTERM (it stops cleanly) however the block ends, so a failed session leaves no server
    behind."""
    server = subprocess.Popen(
        command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        text=True,
    )
    url = None
    for line in server.stderr:
        if "MCP over HTTP on " in line:
            url = line.split("MCP over HTTP on ", 1)[1].strip()
            break
    if url is None:
        server.kill()
        server.wait()
        sys.exit("the HTTP server did not start")
    # Its log is read throughout, so that a full pipe never blocks it.
    drain = threading.Thread(target=lambda: [None for _ in server.stderr], daemon=True)
    drain.start()
    try:
        yield url
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait()
        drain.join()


def post_mcp(url, message, version, session):
    """POSTs one message; the session (as the answer names it, or as given) and the JSON-RPC
    answer, from JSON or an event stream."""
    headers = {"content-type": "application/json",
               "accept": "application/json, text/event-stream",
               "mcp-protocol-version": version}
    if session:
        headers["mcp-session-id"] = session
    if version == "2026-07-28":
        headers["mcp-method"] = message["method"]
        if message["method"] == "tools/call":
            headers["mcp-name"] = message["params"]["name"]
    request = urllib.request.Request(url, data=json.dumps(message).encode(), headers=headers)
    with urllib.request.urlopen(request, timeout=600) as answer:
        session = answer.headers.get("mcp-session-id") or session
        body = answer.read().decode()
    data = [line[5:].strip() for line in body.splitlines() if line.startswith("data:")]
    text = next((d for d in data if d), body)
    return session, (json.loads(text) if text.strip() else None)


def http_session(command):
    """The same over Streamable HTTP."""
    with running_http(command) as url:
        session = None

        def post(message):
            nonlocal session
            session, reply = post_mcp(url, message, "2025-06-18", session)
            return reply

        post({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-06-18", "capabilities": {},
            "clientInfo": {"name": "hot-text", "version": "1"}}})
        post({"jsonrpc": "2.0", "method": "notifications/initialized"})
        post({"jsonrpc": "2.0", "id": 2, "method": "tools/list", "params": {}})
        projects = post({"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {
            "name": "layerops_list_projects", "arguments": {"includeEnvironments": True}}})
        text = projects["result"]["content"][0]["text"]
        environment = json.loads(text)["workspaces"][0]["environments"][0]["uuid"]
        reply = post({"jsonrpc": "2.0", "id": 4, "method": "tools/call", "params": {
            "name": "layerops_list_services", "arguments": {"environmentId": environment}}})
        if reply["result"].get("isError"):
            sys.exit(f"tools/call failed over HTTP: {json.dumps(reply)[:300]}")


def load_session(command):
    """What `cargo bench --bench mcp -- http` does to a server, in small: clients on sessions
    of their own, clients sharing one, and 2026-07-28 requests without a session, a few at
    once."""
    with running_http(command) as url:

        def post(message, version, session=None):
            return post_mcp(url, message, version, session)

        def open_session():
            session, _ = post({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
                "protocolVersion": "2025-11-25", "capabilities": {},
                "clientInfo": {"name": "hot-text", "version": "1"}}}, "2025-11-25")
            post({"jsonrpc": "2.0", "method": "notifications/initialized"}, "2025-11-25",
                 session)
            return session

        load(post, open_session)


def load(post, open_session):
    """The clients of `load_session`, a few at once of each kind."""
    stateless = {"io.modelcontextprotocol/protocolVersion": "2026-07-28",
                 "io.modelcontextprotocol/clientCapabilities": {},
                 "io.modelcontextprotocol/clientInfo": {"name": "hot-text", "version": "1"}}
    shared = open_session()
    _, projects = post({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {
        "name": "layerops_list_projects", "arguments": {"includeEnvironments": True}}},
        "2025-11-25", shared)
    # A dry run answers with the request it would send: any environment will do.
    workspaces = json.loads(projects["result"]["content"][0]["text"]).get("workspaces")
    environment = (workspaces[0]["environments"][0]["uuid"] if workspaces
                   else "00000000-0000-4000-8000-000000000000")
    failures = []

    def client(kind, number):
        try:
            session = shared if kind == "shared" else (
                open_session() if kind == "own" else None)
            version = "2026-07-28" if kind == "stateless" else "2025-11-25"
            for i in range(3):
                params = {"name": "layerops_list_services",
                          "arguments": {"environmentId": environment}}
                if kind == "stateless":
                    params["_meta"] = stateless
                _, reply = post({"jsonrpc": "2.0", "id": 100 * number + i,
                                 "method": "tools/call", "params": params}, version, session)
                if "error" in reply or reply["result"].get("isError"):
                    failures.append(json.dumps(reply)[:300])
        except Exception as e:  # noqa: BLE001 - said below, whatever it was
            failures.append(repr(e))

    for kind in ("own", "shared", "stateless"):
        clients = [threading.Thread(target=client, args=(kind, n)) for n in range(4)]
        for c in clients:
            c.start()
        for c in clients:
            c.join()
    if failures:
        sys.exit(f"tools/call failed under load: {failures[0]}")


def callgrind_names(out, names):
    with open(out) as f:
        for line in f:
            m = re.match(r"^c?fn=\((\d+)\) (.+)$", line.rstrip("\n"))
            if m:
                names.setdefault(m.group(2), None)


def in_binary_order(binary, names):
    """`names` that `binary` defines, in the order it has them: what the linker put side by
    side stays side by side (ordered as callgrind first saw them, calls measured slower)."""
    address = {}
    for line in subprocess.run(["nm", "--defined-only", binary],
                               capture_output=True, text=True, check=True).stdout.splitlines():
        fields = line.split()
        if len(fields) == 3:
            address.setdefault(fields[2], int(fields[0], 16))
    return sorted((n for n in names if n in address), key=address.get)


def ran_under_load(binary):
    """The functions `binary` ran serving HTTP clients at once, with the sandbox answering
    and in a dry run."""
    names = {}
    with tempfile.TemporaryDirectory() as tmp:
        for mode in ([], ["--dry-run"]):
            out = os.path.join(tmp, f"callgrind.load{len(mode)}")
            load_session(["valgrind", "--tool=callgrind", "--demangle=no",
                          f"--callgrind-out-file={out}", binary, "serve", "--sandbox",
                          "--no-watch", "--http", "127.0.0.1:0", *mode])
            callgrind_names(out, names)
    return in_binary_order(binary, names)


def ran(binary):
    """The functions `binary` ran in the sessions."""
    names = {}
    with tempfile.TemporaryDirectory() as tmp:
        for kind in ("stdio", "http"):
            out = os.path.join(tmp, f"callgrind.{kind}")
            valgrind = ["valgrind", "--tool=callgrind", "--demangle=no",
                        f"--callgrind-out-file={out}", binary, "serve", "--sandbox"]
            if kind == "stdio":
                session(valgrind + ["--toolsets", "all"])
            else:
                http_session(valgrind + ["--no-watch", "--http", "127.0.0.1:0"])
            callgrind_names(out, names)
    return in_binary_order(binary, names)


def unlisted(binary):
    with open(os.path.join(HERE, "hot-text.txt")) as f:
        listed = {line.strip() for line in f if line.strip() and not line.startswith("#")}
    missing = [name for name in ran(binary) if name not in listed]
    print(f"{len(missing)} functions run from start to rest are not in link/hot-text.txt "
          f"(at most {MAX_UNLISTED} allowed)")
    for name in missing[:10]:
        print(f"  {name}")
    sys.exit(0 if len(missing) <= MAX_UNLISTED else 1)


def listed(path):
    try:
        with open(path) as f:
            return [line.strip() for line in f if line.strip() and not line.startswith("#")]
    except FileNotFoundError:
        return []


def write(path, names, what):
    rustc = subprocess.run(["rustc", "--version"], capture_output=True, text=True).stdout.strip()
    with open(path, "w") as f:
        f.write(f"# {what}\n")
        f.write(f"# Written by link/hot-text.py with {rustc}; {len(names)} functions.\n")
        for name in names:
            f.write(name + "\n")
    print(f"{len(names)} functions written to {os.path.relpath(path)}")


def main():
    binaries = sys.argv[1:]
    if not binaries:
        sys.exit(__doc__)
    if binaries[0] == "--unlisted":
        if len(binaries) != 2:
            sys.exit(__doc__)
        unlisted(binaries[1])
    load_only = binaries[0] == "--load"
    if load_only:
        binaries = binaries[1:]
    rest_path = os.path.join(HERE, "hot-text.txt")
    if load_only:
        names = listed(rest_path)
        seen = set(names)
    else:
        names, seen = [], set()
        for binary in binaries:
            for name in (n for _ in range(RUNS_PER_BINARY) for n in ran(binary)):
                if name not in seen:
                    seen.add(name)
                    names.append(name)
        write(rest_path, names,
              "Functions run from start to rest, placed first in the code by build.rs.")
    load = []
    for binary in binaries:
        for name in ran_under_load(binary):
            if name not in seen:
                seen.add(name)
                load.append(name)
    write(os.path.join(HERE, "load-text.txt"), load,
          "Functions run serving HTTP clients at once and not at rest, placed right after "
          "hot-text.txt's by build.rs.")


if __name__ == "__main__":
    main()
