#!/usr/bin/env bash
# tools/check-layers: passes on the tree as it is, and fails on a copy of it with one include
# planted against the allowed directions (and on a source in a folder the table does not know).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$root/tools/check-layers" >/dev/null 2>&1 || fail "the tree itself does not pass tools/check-layers"

copy() {
  rm -rf "$tmp/tree"; mkdir -p "$tmp/tree"
  (cd "$root" && find firmware platform drivers tools -type f \( -name '*.h' -o -name '*.cpp' \) \
     -not -path "*/node_modules/*" -exec cp --parents -t "$tmp/tree" {} +)
}

# platform/ may include nothing of the project: plant an include of the API there.
copy
victim=$(cd "$tmp/tree" && ls platform/*.h | head -n 1)
sed -i '0,/^#include/s//#include "api\/problem.h"\n#include/' "$tmp/tree/$victim"
set +e
out=$("$root/tools/check-layers" --root "$tmp/tree" 2>/dev/null); rc=$?
set -e
[ "$rc" -eq 1 ] || fail "a planted platform -> api include exited $rc, not 1"
grep -q "^$victim:[0-9]*: platform -> api (api/problem.h)" <<<"$out" ||
  fail "the planted include is not named: $out"

# A domain module reaching up into net/ (the direction the architecture forbids).
copy
sed -i '0,/^#include/s//#include "net\/router.h"\n#include/' "$tmp/tree/firmware/consent/consent_ledger.h"
set +e
out=$("$root/tools/check-layers" --root "$tmp/tree" 2>/dev/null); rc=$?
set -e
[ "$rc" -eq 1 ] || fail "a planted consent -> net include exited $rc, not 1"
grep -q "consent -> net" <<<"$out" || fail "consent -> net is not named: $out"

# api/ may include store's job door (store/database.h) but nothing else of store/.
copy
sed -i '0,/^#include/s//#include "store\/schema.h"\n#include/' "$tmp/tree/firmware/api/problem.h"
set +e
out=$("$root/tools/check-layers" --root "$tmp/tree" 2>/dev/null); rc=$?
set -e
[ "$rc" -eq 1 ] || fail "a planted api -> store/schema.h include exited $rc, not 1"
grep -q "^firmware/api/problem.h:[0-9]*: api -> store (store/schema.h)" <<<"$out" ||
  fail "api -> store/schema.h is not named: $out"

# A source in a folder that has no row in the table.
copy
mkdir -p "$tmp/tree/firmware/newthing"
printf '#include "store/database.h"\n' >"$tmp/tree/firmware/newthing/x.cpp"
set +e
"$root/tools/check-layers" --root "$tmp/tree" >/dev/null 2>&1; rc=$?
set -e
[ "$rc" -eq 2 ] || fail "a source in an unknown folder exited $rc, not 2"
echo "check_layers_test: ok"
