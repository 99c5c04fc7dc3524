#!/usr/bin/env bash
# Installs what building and testing lambdad needs on a Debian 12 / Ubuntu
# 22.04+ host, and nothing that is already there. Run as root.
set -euo pipefail

packages=(
	gcc libc6-dev make git    # cgo: libcontainer's nsenter
	busybox-static            # shell tools inside test sandboxes
	python3                   # python3.x functions run the host's python3 (rootfs host)
	ca-certificates           # the provided base copies the host's CA bundle
	runc                      # the peer the sandbox benchmark measures against
	hyperfine                 # timing for the benchmark scripts
	ruby                      # make check-hosts: ruby -c Vagrantfile, the CI sample's YAML
)

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
	echo "deps: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Go: the go.mod's version or newer.
want=$(awk '/^go /{print $2}' "$(dirname "$0")/../go.mod")
if ! command -v go >/dev/null 2>&1; then
	echo "deps: Go $want or newer is needed (https://go.dev/dl); none is on PATH" >&2
	exit 1
fi
have=$(go env GOVERSION | sed 's/^go//')
if [ "$(printf '%s\n%s\n' "$want" "$have" | sort -V | head -1)" != "$want" ]; then
	echo "deps: Go $want or newer is needed, found $have" >&2
	exit 1
fi
go mod download
