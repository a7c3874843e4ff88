"""Checks the deployment files against the binary, offline (run by .ci/run):

- deploy/kubernetes/configmap.yaml: its content, written out as Kubernetes mounts it,
  passes `layerops-mcp check`;
- deploy/kubernetes/deployment.yaml and deploy/layerops/service.yaml: their arguments start
  the server (addresses moved to loopback, files to a temp folder), which then answers
  /readyz.

Usage: python3 deploy/check.py path/to/layerops-mcp
"""

import json
import os
import pathlib
import subprocess
import sys
import tempfile
import time
import urllib.request

import yaml

ROOT = pathlib.Path(__file__).resolve().parent.parent
BINARY = sys.argv[1]


def load(path):
    return list(yaml.safe_load_all((ROOT / path).read_text()))


def start(args, env):
    """Starts `serve` with `args` and waits for /readyz; stops it."""
    log = tempfile.TemporaryFile()
    process = subprocess.Popen([BINARY, *args], env=env, stdin=subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL, stderr=log)
    try:
        deadline = time.time() + 20
        url = None
        while time.time() < deadline and url is None:
            log.seek(0)
            for line in log.read().decode(errors="replace").splitlines():
                if line.startswith("{"):  # --log-format json
                    line = json.loads(line).get("message", "")
                if "MCP over HTTP on " in line:
                    url = line.split("MCP over HTTP on ")[1].strip()
            if process.poll() is not None:
                break
            time.sleep(0.1)
        if url is None:
            log.seek(0)
            sys.exit(f"the server did not start with {args}:\n{log.read().decode(errors='replace')}")
        ready = url.removesuffix("/mcp") + "/readyz"
        # Straight to the server, whatever proxy the environment names.
        direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        answer = json.load(direct.open(ready, timeout=5))
        print(f"started with {' '.join(args)}: /readyz {answer}")
    finally:
        process.terminate()
        process.wait(timeout=20)


def main():
    with tempfile.TemporaryDirectory() as temp:
        temp = pathlib.Path(temp)
        # The ConfigMap, as the volume shows it at /content/registry.
        configmap = load("deploy/kubernetes/configmap.yaml")[0]
        registry = temp / "content" / "registry"
        registry.mkdir(parents=True)
        for name, text in configmap["data"].items():
            (registry / name).write_text(text)
        subprocess.run([BINARY, "check", "--root", str(temp / "content")], check=True)
        (temp / "confirmation.key").write_text("k" * 48)

        def local(args):
            out = []
            for arg in args:
                if arg.startswith("0.0.0.0:"):
                    arg = "127.0.0.1:0"
                elif arg == "/content":
                    arg = str(temp / "content")
                elif arg.startswith("/secrets/"):
                    arg = str(temp / pathlib.Path(arg).name)
                out.append(arg)
            return out

        env = {k: v for k, v in os.environ.items() if not k.startswith("LAYEROPS_")}
        deployment = load("deploy/kubernetes/deployment.yaml")[0]
        container = deployment["spec"]["template"]["spec"]["containers"][0]
        start(local(container["args"]), env | {"TEAM_API_TOKEN": "t"})
        service = load("deploy/layerops/service.yaml")[0]["services"][0]
        start(local(service["dockerConfiguration"]["args"]), env)


main()
