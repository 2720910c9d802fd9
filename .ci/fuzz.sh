#!/usr/bin/env bash
# Bounded fuzzing for CI: every fuzz target of the module (the webhook
# parsers of both adapters, signed and unsigned, money's parser, and any
# other Fuzz function in a _test.go file) runs for a share of a fixed
# budget, one after the other, so the step takes about FUZZ_BUDGET seconds
# plus builds, whatever the number of targets (at least FUZZ_MIN_SECONDS
# each). Their seed corpora (f.Add and testdata/fuzz) also run in every
# plain `go test`.
#
# A failure leaves the failing input in the package's testdata/fuzz/<Target>/
# directory and prints it; commit it as a regression seed once fixed.
#
#   FUZZ_BUDGET=80 FUZZ_MIN_SECONDS=5 .ci/fuzz.sh
set -euo pipefail
cd "$(dirname "$0")/.."

budget=${FUZZ_BUDGET:-80}
min_seconds=${FUZZ_MIN_SECONDS:-5}

# "directory target" pairs, read from the sources: go test -list would
# build every test binary of the module first.
mapfile -t targets < <(
	grep -rEo --include='*_test.go' '^func Fuzz[A-Za-z0-9_]*\(' . |
		sed -E 's|^(.*)/[^/]*_test\.go:func (Fuzz[A-Za-z0-9_]*)\($|\1 \2|' |
		grep -v '^\./\.' | sort
)
if [ "${#targets[@]}" -eq 0 ]; then
	echo "fuzz: no fuzz targets found" >&2
	exit 1
fi

seconds=$((budget / ${#targets[@]}))
if [ "$seconds" -lt "$min_seconds" ]; then
	seconds=$min_seconds
fi
echo "fuzz: ${#targets[@]} targets, ${seconds}s each" >&2

status=0
for t in "${targets[@]}"; do
	read -r dir name <<<"$t"
	pkg=./${dir#./}
	echo "== fuzz $pkg $name (${seconds}s)" >&2
	# Minimisation is bounded by executions, not time: an unbounded one
	# (60s by default) would eat the budget and, cut short, can hide the
	# failure it was minimising.
	if ! go test "$pkg" -run '^$' -fuzz "^${name}\$" -fuzztime "${seconds}s" -fuzzminimizetime 2000x; then
		status=1
		corpus=$dir/testdata/fuzz/$name
		echo "fuzz: $pkg $name failed; newest inputs in $corpus:" >&2
		ls -t "$corpus" 2>/dev/null | head -3 | while read -r f; do
			echo "--- $corpus/$f" >&2
			head -c 2000 "$corpus/$f" >&2
			echo >&2
		done
	fi
done
exit $status
