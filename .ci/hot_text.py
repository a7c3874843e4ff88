"""Checks that a binary has the functions of link/hot-text.txt placed together at the start
of its code, and says how many and over how much. Exit 1 when fewer than MIN of them are
found together: the list no longer matches the build (see link/hot-text.py).

Usage: python3 .ci/hot_text.py BINARY"""

import os
import subprocess
import sys

# The published build (dist, --features full) has about 4,500 of them when the list matches
# it. A lock-file change once left 2,694 matching (the rest renamed by the new hashes) and the
# server idled at 14.2 MB instead of 11: that must fail, not pass.
MIN = 4000

here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(here, "..", "link", "hot-text.txt")) as f:
    listed = {line.strip() for line in f if line.strip() and not line.startswith("#")}
address = {}
for line in subprocess.run(["nm", "--defined-only", sys.argv[1]],
                           capture_output=True, text=True, check=True).stdout.splitlines():
    fields = line.split()
    if len(fields) == 3 and fields[1] in "tTwW":
        address.setdefault(fields[2], int(fields[0], 16))
text_start = next(
    int(line.split()[3], 16)
    for line in subprocess.run(["readelf", "-SW", sys.argv[1]], capture_output=True, text=True,
                               check=True).stdout.splitlines()
    if " .text " in line.replace("]", "] ")
)
found = sorted(address[name] for name in listed if name in address)
at_listed = set(found)
if not found:
    print("none of the listed functions is in this binary")
    sys.exit(1)
# The listed functions come first in .text: count those before the first other function
# (a name at the same address as a listed one is another name of it).
first_other = min((a for n, a in address.items()
                   if n not in listed and a not in at_listed and a >= text_start),
                  default=max(found) + 1)
together = sum(1 for a in found if text_start <= a < first_other)
print(f"{len(found)} of the {len(listed)} listed functions are in the binary; "
      f"{together} of them first in its code, over {(first_other - text_start) / 1e6:.2f} MB")
sys.exit(0 if together >= MIN else 1)
