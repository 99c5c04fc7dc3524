#!/bin/sh
# Runs every fuzz target of the module for FUZZTIME each (default 2m), one
# after another: `make fuzz`, not part of CI. A crash leaves its input in
# the package's testdata/fuzz/ and stops the run.
set -eu
cd "$(dirname "$0")/.."
GO=${GO:-go}
T=${FUZZTIME:-2m}
grep -rl --include='*_test.go' '^func Fuzz' . | sort | while read -r file; do
	pkg=./$(dirname "${file#./}")
	for name in $(sed -n 's/^func \(Fuzz[A-Za-z0-9_]*\)(.*/\1/p' "$file"); do
		echo "fuzz: $pkg $name for $T"
		"$GO" test -run '^$' -fuzz "^$name\$" -fuzztime "$T" "$pkg"
	done
done
