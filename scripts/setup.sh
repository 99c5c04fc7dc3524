#!/usr/bin/env bash
# One command on a fresh host: install what is missing, build lambdad, its
# in-sandbox runtime and the example functions, and start the daemon on them
# in the foreground (Ctrl-C stops it and destroys every sandbox). Run as root.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=$PATH:/usr/local/go/bin
./scripts/deps.sh
make build examples
echo
echo "lambdad: serving examples/functions on http://127.0.0.1:9000 — in another terminal:"
echo "  bin/lambdad invoke hello --payload '{\"name\":\"World\"}' --log-type Tail"
echo
exec bin/lambdad serve --functions examples/functions "$@"
