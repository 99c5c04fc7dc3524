#!/usr/bin/env bash
# Installs what building and testing lambdad needs on a Debian 12 / Ubuntu
# 22.04+ host, and nothing that is already there. Run as root.
set -euo pipefail

packages=(
	gcc libc6-dev make git    # cgo: libcontainer's nsenter
	busybox-static            # shell tools inside test sandboxes
	python3                   # python3.x functions run the host's python3 (rootfs host)
	python3-boto3             # the AWS SDK, as every Python runtime on Lambda has it
	ca-certificates           # the provided base copies the host's CA bundle
	runc                      # the peer the sandbox benchmark measures against
	hyperfine                 # timing for the benchmark scripts
	ruby                      # make check-hosts: ruby -c Vagrantfile, the CI sample's YAML
	awscli                    # the aws CLI v2 (/usr/bin/aws) the tests deploy and invoke with
)

# nodejsN.x functions run the host's node; npm installs the AWS SDK for
# JavaScript (make build). A node from elsewhere (NodeSource) brings its own npm.
command -v node >/dev/null 2>&1 || packages+=(nodejs)
command -v npm >/dev/null 2>&1 || packages+=(npm)
# aws-lambda-ric's native build (aws-lambda-cpp and curl, from source), for
# the test that runs AWS's Node.js runtime client against lambdad.
packages+=(cmake autoconf automake libtool g++ python3)

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

# aws-lambda-ric, AWS's Node.js runtime interface client, built once into a
# cache the root tests use (LAMBDAD_RIC_DIR; the version is its directory's
# name, so a new one is built beside the old).
ric_version=3.3.0 # the last for Node.js 18 and 20; 4.x needs 22
ric=${LAMBDAD_RIC_DIR:-/var/cache/lambdad/aws-lambda-ric-$ric_version}
if [ ! -e "$ric/node_modules/aws-lambda-ric/dist/rapid-client.node" ]; then
	echo "deps: building aws-lambda-ric $ric_version into $ric (a few minutes)"
	rm -rf "$ric" && mkdir -p "$ric"
	printf '{"private": true}\n' >"$ric/package.json"
	printf 'allow-scripts=aws-lambda-ric\n' >"$ric/.npmrc" # npm 11 runs no install script unless allowed
	(cd "$ric" && npm install --no-audit --no-fund --loglevel=error "aws-lambda-ric@$ric_version")
fi
