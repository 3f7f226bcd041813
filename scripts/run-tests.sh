#!/bin/sh
# Run each test binary given as an argument; report every failure, then exit
# non-zero if any failed.  cmocka prints its own summary per binary.
failed=0
passed=0
for t in "$@"; do
	if "$t"; then
		passed=$((passed + 1))
	else
		echo "FAILED: $t" >&2
		failed=$((failed + 1))
	fi
done
echo "programs: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
