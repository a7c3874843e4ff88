"""Heap allocations per tool call, counted by valgrind's DHAT.

usage: python3 benches/alloc.py [BIN]   (default: target/release/layerops-mcp)

Runs the server under `valgrind --tool=dhat` against a sandbox in another process, once
with no call and once with 1,000 `tools/call layerops_list_services`, and prints the
difference of the totals divided by 1,000.
"""
import subprocess, json, sys, re, os, time, urllib.request
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def measure(bin_, calls):
    sb = subprocess.Popen([bin_, 'sandbox', '--listen', '127.0.0.1:0'], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    addr = None
    while addr is None:
        l = sb.stderr.readline()
        m = re.search(r'Listening on http://(\S+?)\.?\s', l)
        if m: addr = m.group(1)
    KEY = "LYPSANDBOXDEMOKEY00000000:00000000-5a4d-4b0c-8000-000000000000"
    req = urllib.request.Request(f"http://{addr}/v1/workspaces?includeEnvironmentAndProviders=true", headers={"X-API-KEY": KEY})
    txt = urllib.request.urlopen(req).read().decode()
    env_id = re.search(r'"environments":\[\{"uuid":"([0-9a-f-]{36})"', txt).group(1)
    envv = dict(os.environ, LAYEROPS_API_BASE_URL=f"http://{addr}", LAYEROPS_API_KEY_ID="LYPSANDBOXDEMOKEY00000000", LAYEROPS_API_KEY_SECRET="00000000-5a4d-4b0c-8000-000000000000", RUST_LOG="error")
    p = subprocess.Popen(['valgrind', '--tool=dhat', '--dhat-out-file=/dev/null', bin_, 'serve', '--no-watch', '--root', ROOT], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=envv)
    def send(m): p.stdin.write((json.dumps(m)+"\n").encode()); p.stdin.flush()
    send({"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"x","version":"0"}}})
    p.stdout.readline()
    send({"jsonrpc":"2.0","method":"notifications/initialized"})
    for i in range(calls):
        send({"jsonrpc":"2.0","id":i+1,"method":"tools/call","params":{"name":"layerops_list_services","arguments":{"environmentId":env_id}}})
        l = p.stdout.readline()
        assert b'"isError":true' not in l, l
    p.stdin.close()
    err = p.stderr.read().decode()
    p.wait(); sb.kill()
    m = re.search(r'Total:\s+([\d,]+) bytes in ([\d,]+) blocks', err)
    if not m:
        sys.exit("valgrind printed no total:\n" + err[-2000:])
    return int(m.group(1).replace(",", "")), int(m.group(2).replace(",", ""))


if __name__ == "__main__":
    bin_ = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "target/release/layerops-mcp")
    bytes0, blocks0 = measure(bin_, 0)
    bytes1, blocks1 = measure(bin_, 1000)
    print(f"per call: {(blocks1 - blocks0) / 1000:.0f} blocks, {(bytes1 - bytes0) / 1000 / 1000:.1f} KB")
