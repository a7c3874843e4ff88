#!/usr/bin/env bash
# Runs every fuzz target for SECONDS each (default 60), seeded with the shipped content.
# Needs cargo-fuzz (`cargo install cargo-fuzz`); works on the stable toolchain with `-s none`
# (no sanitizer: the code is safe Rust, and what is looked for is panics, hangs and
# runaway memory).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
seeds=target/fuzz-seeds
rm -rf "$seeds"
mkdir -p "$seeds/tool_file" "$seeds/documents" "$seeds/shipped_calls" "$seeds/answers"
python3 - "$seeds" <<'PY'
import glob, json, os, sys
out = sys.argv[1]
args = [b'{}', b'{"serviceId": "7c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f", "countMin": 1}',
        b'{"projectId": "../x", "name": "{{ 7*7 }}", "environmentId": "a/b?c=d#e"}']
for i, path in enumerate(sorted(glob.glob('registry/*/*.yaml'))):
    text = open(path, 'rb').read()
    open(f'{out}/tool_file/{i}', 'wb').write(text + b'\xff' + args[i % len(args)])
    for j, a in enumerate(args):
        open(f'{out}/shipped_calls/{i}-{j}', 'wb').write(bytes([i]) + a)
# Schemas in the shapes model providers refuse (type lists, enums of numbers, unions,
# references, empty objects): seeds for the dialect rewrite.
odd = b"""name: odd
description: d
input:
  type: object
  $defs: { n: { type: object, properties: { c: { $ref: "#/$defs/n" } } } }
  properties:
    a: { type: [integer, string, "null"], enum: [1, "x"] }
    b: { oneOf: [{ type: string }, { type: object, properties: { i: { const: 3 } }, required: [i, j] }] }
    c: { allOf: [{ $ref: "#/$defs/n" }, { properties: {} }] }
    d: { type: array }
    e: true
  required: [a, ghost]
request: { method: GET, path: /x }
"""
open(f'{out}/tool_file/odd', 'wb').write(odd + b'\xff{}')
docs = sorted(glob.glob('resources/**/*.md', recursive=True))
prompts = sorted(glob.glob('prompts/*'))
for i, path in enumerate(docs):
    jinja = open(prompts[i % len(prompts)], 'rb').read()
    text = open(path, 'rb').read()
    hbs = b'---\nname: h\narguments:\n  - name: x\n    required: true\n---\n{{#if x}}{{x}}{{/if}}\n'
    open(f'{out}/documents/{i}', 'wb').write(text + b'\xff' + jinja + b'\xff' + hbs + b'\xffenvironmentId=e\nx={{y}}\n')
# Answers as an API writes them: a choice of shaping, then the JSON.
answers = [
    [{"uuid": "u1", "name": "web", "a": None, "b": {"name": "x", "a": [None, 1.5, -2]}}, {"uuid": "u2"}, 3, None],
    {"name": "n\u00e9", "a": {"b": None, "uuid": [True, False, {}]}, "": "e"},
    [[], {}, "s", 12345678901234567890, 1e300],
]
for i, a in enumerate(answers):
    for choice in (0x00, 0x47, 0xe5, 0xff):
        open(f'{out}/answers/{i}-{choice}', 'wb').write(bytes([choice]) + json.dumps(a, indent=i).encode())
PY
for target in tool_file documents shipped_calls answers; do
  echo "== fuzz $target for ${seconds}s"
  mkdir -p "fuzz/corpus/$target"
  log="target/fuzz-$target.log"
  if ! cargo fuzz run -s none -O "$target" "fuzz/corpus/$target" "$seeds/$target" -- \
    -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 > "$log" 2>&1; then
    tail -n 60 "$log" >&2
    echo "fuzz target $target failed; the input is in fuzz/artifacts/$target" >&2
    exit 1
  fi
  grep -E '^(INFO: seed corpus|Done [0-9]+ runs|stat::number_of_executed_units|stat::peak_rss_mb)' "$log" || true
done
