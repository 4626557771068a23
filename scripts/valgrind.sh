#!/usr/bin/env bash
# valgrind memcheck of the addon (npm run test:valgrind).
#
# Runs test/sanitizers/driver.mjs in its small "valgrind" mode — generate →
# export (every format, private and public) → destroy over every algorithm the
# runtime has, twice, plus extractable:false, the native error paths and 300
# keys dropped to the GC — under memcheck, with the addon of record
# (build/Release/platform_keygen.node, node-gyp) and node --expose-gc, for the
# node on PATH and Node 24 (.cache/nodes/linux-x64/bin/node or $PK_NODE24).
# Suppressions: test/sanitizers/valgrind.supp (node / V8 / OpenSSL internals).
#
# Passes when memcheck reports no error at all (so: 0 bytes definitely lost and
# no invalid read or write anywhere), and the driver's own checks pass. A
# canary addon (test/sanitizers/canary.cc, built with g++ -g) must be caught:
# its leaked EVP_PKEY as "definitely lost" and its overflow as an invalid read.
#
# Prints `valgrind: N passed, N failed`; exits 1 if anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
out=$root/.cache/sanitizers/valgrind
mkdir -p "$out"
addon=${PK_ADDON:-$root/build/Release/platform_keygen.node}
[[ -f $addon ]] || npm run build:native
[[ -f dist/esm/index.js ]] || npm run build:ts
command -v valgrind >/dev/null || { echo "valgrind: not installed (apt-get install valgrind)"; exit 1; }

if [[ -n ${PK_SANITIZER_NODES:-} ]]; then
  IFS=: read -r -a nodes <<<"$PK_SANITIZER_NODES"
  for node in "${nodes[@]}"; do
    [[ -x $node ]] || { echo "valgrind: no node at $node (PK_SANITIZER_NODES)"; exit 1; }
  done
else
  nodes=("$(command -v node)")
  node24=${PK_NODE24:-$root/.cache/nodes/linux-x64/bin/node}
  [[ -x $node24 ]] && nodes+=("$node24")
fi

include=/usr/include/node
[[ -f $include/node_api.h ]] || include=$root/.cache/nodes/linux-x64/include/node
g++ -std=c++17 -g -O0 -fPIC -shared -DNODE_GYP_MODULE_NAME=canary -I"$include" test/sanitizers/canary.cc \
  -o "$out/canary.node"

passed=0
failed=0
result() { # ok|fail, what, detail
  if [[ $1 == ok ]]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
  printf 'valgrind: %s %s%s\n' "$([[ $1 == ok ]] && echo 'ok  ' || echo FAIL)" "$2" "${3:+ — $3}"
}

memcheck() { # log, command...
  local log=$1
  shift
  valgrind --tool=memcheck --leak-check=full --show-leak-kinds=definite --errors-for-leak-kinds=definite \
    --suppressions="$root/test/sanitizers/valgrind.supp" --error-exitcode=99 --num-callers=40 \
    --log-file="$log" "$@"
}

started=$SECONDS
for node in "${nodes[@]}"; do
  version=$("$node" --version)
  log=$out/$version.log
  t=$SECONDS
  summary=$(PLATFORM_KEYGEN_NATIVE=$addon memcheck "$log" "$node" --expose-gc test/sanitizers/driver.mjs valgrind)
  rc=$?
  errors=$(grep -m1 -o 'ERROR SUMMARY: .*' "$log")
  lost=$(grep -m1 -o 'definitely lost: .*' "$log" || echo 'definitely lost: 0 bytes in 0 blocks')
  ours=$(grep -E -A6 'Invalid (read|write)|definitely lost in loss record' "$log" | grep -c 'platform_keygen.node' || true)
  detail="$errors; $lost; frames of platform_keygen.node in reports: $ours; $(grep -o '"algorithms":{[^}]*}' <<<"$summary")"
  if [[ $rc -eq 0 && $ours -eq 0 ]]; then
    result ok "node $version generate → export → destroy loop in $((SECONDS - t)) s" "$detail"
  else
    result fail "node $version (exit $rc, log $log)" "$detail"
  fi
done

# The canary: the same suppressions must still catch a leaked key and a bad read in addon code.
log=$out/canary-leak.log
memcheck "$log" node -e "require('$out/canary.node').leakKey()" >/dev/null 2>&1
if grep -q 'definitely lost in loss record' "$log" && grep -A30 'definitely lost in loss record' "$log" | grep -q LeakKey; then
  result ok "canary: a leaked EVP_PKEY in addon code is reported as definitely lost"
else
  result fail "canary: the leaked EVP_PKEY was not reported ($log)"
fi
log=$out/canary-overflow.log
memcheck "$log" node -e "require('$out/canary.node').overflow()" >/dev/null 2>&1
if grep -A3 'Invalid read' "$log" | grep -q Overflow; then
  result ok "canary: an out-of-bounds read in addon code is reported as an invalid read"
else
  result fail "canary: the invalid read was not reported ($log)"
fi

echo "valgrind: $passed passed, $failed failed ($((SECONDS - started)) s; logs in $out)"
[[ $failed -eq 0 ]]
