#!/usr/bin/env bash
# Sandbox create→start→exit→destroy of /bin/true, next to `runc run` of the
# same rootfs, measured in the same run, and what building its OCI spec and
# converting it to libcontainer's config costs. Run as root. RUNS=300 by default.
set -euo pipefail
cd "$(dirname "$0")/.."
exec go test -count=1 -run '^$' -bench 'Lifecycle' -benchtime "${RUNS:-300}x" ./sandbox/
