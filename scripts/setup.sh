#!/usr/bin/env bash
# One command on a fresh host: install what is missing and build lambdad and
# its in-sandbox init into bin/. Run as root from anywhere.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/deps.sh
make build
echo
echo "built: bin/lambdad and bin/runtime/init"
echo "try:   sudo bin/lambdad run --rootfs host -- sh -c 'id; cat /proc/1/cmdline | tr \"\\0\" \" \"; echo'"
