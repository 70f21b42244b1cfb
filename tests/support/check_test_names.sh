#!/bin/sh
# Fails if a Catch2 test name holds a ';': catch_discover_tests splits the
# name there into two ctest entries that match no test case, so the test
# would never run and still "pass".
status=0
for bin in "$@"; do
  bad=$("$bin" --list-test-names-only | grep ';')
  if [ -n "$bad" ]; then
    echo "$(basename "$bin"): test names with ';' never run under ctest:"
    echo "$bad"
    status=1
  fi
done
exit $status
