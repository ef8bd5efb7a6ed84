#!/bin/sh
# Runs BenchmarkPrograms ROUNDS times (default 5), one full round after the
# other, so that a slow spell of a shared machine is spread over all the
# engines instead of falling on one of them,
# keeps the raw output in $OUT (default /tmp/wdb-bench.txt) and prints the
# speed-up table.
#
#   sh internal/bench/run.sh [ROUNDS]
set -eu
cd "$(dirname "$0")/../.."
rounds=${1:-5}
out=${OUT:-${TMPDIR:-/tmp}/wdb-bench.txt}
: >"$out"
i=0
while [ "$i" -lt "$rounds" ]; do
	go test -run '^$' -bench . -count 1 ./internal/bench >>"$out"
	i=$((i + 1))
done
echo "raw output: $out"
go test ./internal/bench -run '^TestRatioTable$' -count 1 -v -bench-output="$out" |
	grep '^|'
