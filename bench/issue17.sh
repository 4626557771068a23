#!/usr/bin/env bash
# Issue 17's quiet-machine run: the rows it targets under Node.js 24 (primary), 26 and 20, the
# sign/verify rows under each, then BENCHMARKS.md written from the saved results. About 13 minutes
# on a quiet 2-core machine. Nothing else may run meanwhile (the load average is recorded).
#
#   bash bench/issue17.sh                  # measure, then write BENCHMARKS.md
#   bash bench/issue17.sh --report-only    # write BENCHMARKS.md again from the saved results
#
# The node binaries: $NODE24, $NODE26, $NODE20 (defaults below: `bash scripts/fetch-nodes.sh linux`
# fetches 24 and 26 into .cache/nodes). Results go to bench/results/
# (not committed): latest-node<major>-issue17.json and operations-node<major>.json.
set -euo pipefail
cd "$(dirname "$0")/.."

# default: the binaries scripts/fetch-nodes.sh puts in .cache/nodes (as .ci/run does)
NODE24=${NODE24:-.cache/nodes/linux-x64-24/bin/node}
NODE26=${NODE26:-.cache/nodes/linux-x64-26/bin/node}
NODE20=${NODE20:-/usr/bin/node}
R=bench/results

for n in "$NODE24" "$NODE26" "$NODE20"; do
  [ -x "$n" ] || { echo "issue17: $n is not an executable node (set NODE24 / NODE26 / NODE20)" >&2; exit 1; }
done

if [ "${1:-}" != "--report-only" ]; then
  # the package under test and the C loop addon, built before anything is timed
  npm run build:ts >/dev/null
  npx node-gyp build >/dev/null
  mkdir -p "$R"
  # Node.js 24, the primary run: twice the default run budget (about 3.5 min)
  "$NODE24" bench/run.mjs --plan issue17 --scale 2
  # Node.js 26 and Node.js 20 (legacy; node:crypto's JWK measured with privateKeyEncoding, each
  # figure in its own child process with a timeout: see bench/README.md): about 2.5 min each
  "$NODE26" bench/run.mjs --plan issue17 --scale 1.5
  "$NODE20" bench/run.mjs --plan issue17 --scale 1.5
  # sign / verify on the handle against node:crypto (issue 14's rows): about 1.5 min each
  "$NODE24" bench/operations.mjs --seconds 1 --json "$R/operations-node24.json"
  "$NODE26" bench/operations.mjs --seconds 1 --json "$R/operations-node26.json"
  "$NODE20" bench/operations.mjs --seconds 1 --json "$R/operations-node20.json"
fi

"$NODE24" bench/run.mjs \
  --report "$R/latest-node24-issue17.json,$R/latest-node26-issue17.json,$R/latest-node20-issue17.json" \
  --operations "$R/operations-node24.json,$R/operations-node26.json,$R/operations-node20.json" \
  --write >/dev/null
echo "issue17: wrote BENCHMARKS.md from $R/latest-node{24,26,20}-issue17.json and $R/operations-node{24,26,20}.json"
