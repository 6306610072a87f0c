#!/usr/bin/env bash
# Build a wheel from a clean clone of this checkout's HEAD, install it in a fresh venv with the
# CPU build of torch, and run `cdam demo` from the installed (not editable) package: what a user
# of the wheel gets, with the gallery files it carries and nothing from the source tree.
#
#   benchmarks/check_wheel.sh            # uses python3 and a temporary folder
#   PYTHON=python3.11 KEEP=1 benchmarks/check_wheel.sh
#
# Needs a torch==2.13.0 CPU wheel reachable by pip (the configured index or find-links).
set -euo pipefail

PYTHON=${PYTHON:-python3}
TORCH=${TORCH:-torch==2.13.0}
repo=$(git -C "$(dirname "$0")/.." rev-parse --show-toplevel)
tmp=$(mktemp -d)
if [[ -z "${KEEP:-}" ]]; then trap 'rm -rf "$tmp"' EXIT; fi

# a clone holds only committed files: the wheel cannot depend on untracked or ignored ones
git clone --quiet --no-hardlinks "$repo" "$tmp/src"
echo "commit: $(git -C "$tmp/src" rev-parse --short HEAD)"

"$PYTHON" -m venv "$tmp/v"
"$tmp/v/bin/pip" install --quiet --upgrade pip setuptools wheel
"$tmp/v/bin/pip" wheel --quiet --no-deps -w "$tmp/dist" "$tmp/src"
wheel=$(ls "$tmp"/dist/cdam-*.whl)
echo "wheel: $(basename "$wheel")"
"$tmp/v/bin/python" -m zipfile -l "$wheel" > "$tmp/members.txt"
for member in cdam/py.typed cdam/gallery/automata/family_tree.json; do
    grep -q "^$member " "$tmp/members.txt" || { echo "missing from the wheel: $member"; exit 1; }
done

"$tmp/v/bin/pip" install --quiet "$TORCH" "$wheel[plot]"
if "$tmp/v/bin/pip" list 2>/dev/null | grep -i nvidia; then
    echo "CUDA packages were pulled in (above): install the CPU build of torch first"; exit 1
fi
echo "torch: $("$tmp/v/bin/python" -c 'import torch; print(torch.__version__)')"

# run away from the source tree so that only the installed package can be imported
cd "$tmp"
"$tmp/v/bin/python" -c 'import cdam, pathlib; p = pathlib.Path(cdam.__file__); print("imported from", p.parent.parent.name + "/" + p.parent.name)'
"$tmp/v/bin/cdam" --version
"$tmp/v/bin/cdam" demo --out "$tmp/out"
ls "$tmp/out"
echo "check_wheel: OK"
