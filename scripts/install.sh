#!/usr/bin/env bash
# Installs lambdad as a service on a Debian 12 / Ubuntu 22.04+ host, from this
# checkout. Run as root:
#
#   sudo scripts/install.sh [--prefix DIR]      # PREFIX=DIR works too; default /usr/local
#
# What it does, each step only when needed (a second run changes nothing):
#   - apt-get installs the build prerequisites that are missing;
#   - installs Go (go.mod's version) into /usr/local/go from the Go module
#     proxy when no Go that new is there;
#   - builds (make build examples) and installs PREFIX/bin/lambdad, its
#     in-sandbox runtime PREFIX/lib/lambdad/runtime/ (init, python/, nodejs/, nodejs-sdk/), the example
#     functions into /var/lib/lambdad/functions/ if that does not exist yet
#     (a user's functions are never touched), a commented /etc/default/lambdad
#     if there is none, and /etc/systemd/system/lambdad.service;
#   - when systemd is PID 1: enables and starts the service, restarting it only
#     if something it runs changed.
#
# Environment: PREFIX; GOROOT_DEST (where Go goes, /usr/local/go);
# GOPROXY_BASE (default: $GOPROXY's first entry if https, else
# https://proxy.golang.org); GO_FORCE_INSTALL=1 installs Go even if one is new
# enough; GOSUMDB=off skips checking the Go zip against the checksum database.
# --go-only stops after the Go step.
set -euo pipefail

PREFIX=${PREFIX:-/usr/local}
GOROOT_DEST=${GOROOT_DEST:-/usr/local/go}
FUNCTIONS_DIR=/var/lib/lambdad/functions
DEFAULTS_FILE=/etc/default/lambdad
UNIT_FILE=/etc/systemd/system/lambdad.service
go_only=0

usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; }
while (($#)); do
	case $1 in
	--prefix) PREFIX=${2:?--prefix needs a directory}; shift 2 ;;
	--prefix=*) PREFIX=${1#--prefix=}; shift ;;
	--go-only) go_only=1; shift ;;
	-h | --help) usage; exit 0 ;;
	*) echo "install: unknown argument $1 (--help)" >&2; exit 2 ;;
	esac
done

say() { echo "install: $*"; }
die() { echo "install: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "run as root (sudo $0)"
case $PREFIX in /*) ;; *) die "--prefix must be an absolute path, not $PREFIX" ;; esac
PREFIX=${PREFIX%/}
repo=$(cd "$(dirname "$0")/.." && pwd)
export HOME=${HOME:-/root} # go needs it for its caches (provisioners may not set it)

changed=0 # anything the service runs was (re)installed

# --- Go -------------------------------------------------------------------

want=$(awk '/^go /{print $2; exit}' "$repo/go.mod")
[ -n "$want" ] || die "no go line in $repo/go.mod"

# go_version BIN prints BIN's version without the "go", never switching
# toolchains (GOTOOLCHAIN=local, outside any module).
go_version() { (cd / && GOTOOLCHAIN=local "$1" env GOVERSION 2>/dev/null) | sed 's/^go//'; }
version_ge() { [ "$(printf '%s\n%s\n' "$1" "$2" | sort -V | head -1)" = "$2" ]; }

go_bin=""
if [ "${GO_FORCE_INSTALL:-0}" != 1 ]; then
	seen=" "
	for g in "$GOROOT_DEST/bin/go" /usr/local/go/bin/go "$(command -v go || true)"; do
		if [ ! -x "$g" ] || [[ $seen == *" $g "* ]]; then continue; fi
		seen+="$g "
		v=$(go_version "$g")
		if [ -n "$v" ] && version_ge "$v" "$want"; then go_bin=$g; break; fi
		say "found Go ${v:-of unknown version} at $g; go.mod needs $want"
	done
fi

# --- apt ------------------------------------------------------------------

packages=(gcc libc6-dev make git busybox-static python3 python3-boto3 ca-certificates)
# nodejsN.x functions run the host's node; make build npm-installs the AWS SDK for JavaScript.
command -v node >/dev/null 2>&1 || packages+=(nodejs)
command -v npm >/dev/null 2>&1 || packages+=(npm)
[ -n "$go_bin" ] || packages+=(curl unzip) # to fetch and unpack Go
missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
	command -v apt-get >/dev/null || die "not a Debian/Ubuntu host: install ${missing[*]} yourself"
	say "apt-get install ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# install_go fetches golang.org/toolchain@v0.0.1-go$want.linux-$arch (the
# module the go command itself switches toolchains with) from the module
# proxy, checks it against the checksum database, and unpacks it as GOROOT_DEST.
install_go() {
	local arch proxy first ver mod url zip tmp src h1 sum
	case $(uname -m) in
	x86_64 | amd64) arch=amd64 ;;
	aarch64 | arm64) arch=arm64 ;;
	*) die "no Go toolchain for $(uname -m) here; install Go $want yourself" ;;
	esac
	proxy=${GOPROXY_BASE:-}
	if [ -z "$proxy" ]; then
		first=${GOPROXY:-}
		first=${first%%[,|]*}
		case $first in https://*) proxy=$first ;; *) proxy=https://proxy.golang.org ;; esac
	fi
	proxy=${proxy%/}
	ver=$want
	[[ $ver == *.*.* ]] || ver=$ver.0 # "go 1.26" means the toolchain go1.26.0
	mod=golang.org/toolchain
	ver=v0.0.1-go$ver.linux-$arch
	url=$proxy/$mod/@v/$ver.zip

	case $GOROOT_DEST in /?*) ;; *) die "GOROOT_DEST must be an absolute path, not '$GOROOT_DEST'" ;; esac
	if [ -e "$GOROOT_DEST" ] && [ ! -f "$GOROOT_DEST/bin/go" ] && [ -n "$(ls -A "$GOROOT_DEST")" ]; then
		die "$GOROOT_DEST is not empty and holds no Go: not replacing it"
	fi
	mkdir -p "$(dirname "$GOROOT_DEST")"
	tmp=$(mktemp -d "$(dirname "$GOROOT_DEST")/.go-install.XXXXXX")
	# shellcheck disable=SC2064 # expand tmp now
	trap "rm -rf '$tmp'" EXIT
	trap 'exit 130' INT TERM
	zip=$tmp/go.zip
	say "downloading $url"
	curl -fsSL --retry 3 -o "$zip" "$url" || die "download of $url failed"
	unzip -tqq "$zip" >/dev/null 2>&1 || die "$url is not a valid zip"

	if [ "${GOSUMDB:-}" != off ]; then
		# The h1: hash Go records for a module zip (golang.org/x/mod/sumdb/dirhash).
		h1=$(python3 - "$zip" <<-'EOF'
			import base64, hashlib, sys, zipfile
			z = zipfile.ZipFile(sys.argv[1])
			lines = []
			for name in sorted(z.namelist()):
			    h = hashlib.sha256()
			    with z.open(name) as f:
			        for chunk in iter(lambda: f.read(1 << 20), b""):
			            h.update(chunk)
			    lines.append("%s  %s\n" % (h.hexdigest(), name))
			print("h1:" + base64.b64encode(hashlib.sha256("".join(lines).encode()).digest()).decode())
		EOF
		)
		sum=$(curl -fsSL --retry 3 "$proxy/sumdb/sum.golang.org/lookup/$mod@$ver" |
			awk -v m="$mod" -v v="$ver" '$1 == m && $2 == v {print $3}') ||
			die "could not look $mod@$ver up in the checksum database through $proxy (GOSUMDB=off skips this)"
		[ "$h1" = "$sum" ] || die "$url: hash $h1, the checksum database says ${sum:-nothing}"
		say "checksum $h1 matches sum.golang.org"
	fi

	unzip -qq "$zip" -d "$tmp/x"
	src=$tmp/x/$mod@$ver
	[ -f "$src/bin/go" ] || die "$url has no $mod@$ver/bin/go"
	# Module zips keep no file modes: the go command marks these executable too.
	chmod 0755 "$src"/bin/* "$src"/pkg/tool/*/*
	"$src/bin/go" version >/dev/null || die "the downloaded Go does not run"
	rm -rf "$GOROOT_DEST"
	mv "$src" "$GOROOT_DEST"
	rm -rf "$tmp"
	trap - EXIT INT TERM
	go_bin=$GOROOT_DEST/bin/go
	say "installed $("$go_bin" version) in $GOROOT_DEST"
}

if [ -z "$go_bin" ]; then
	install_go
else
	say "Go: $go_bin ($(go_version "$go_bin"); go.mod needs $want)"
fi
"$go_bin" version >/dev/null
if ((go_only)); then exit 0; fi

# --- build ----------------------------------------------------------------

say "building in $repo"
PATH=$(dirname "$go_bin"):$PATH make -s -C "$repo" GO="$go_bin" build examples

# --- install --------------------------------------------------------------

# put SRC DST: installs the file SRC as DST with SRC's mode, unless DST has
# the same bytes and mode already.
put() {
	local mode
	mode=$(stat -c %a "$1")
	if [ -f "$2" ] && cmp -s "$1" "$2" && [ "$(stat -c %a "$2")" = "$mode" ]; then
		return 0
	fi
	install -D -m "$mode" "$1" "$2"
	say "installed $2"
	changed=1
}

# sync_dir SRC DST: makes the tree DST hold exactly SRC's files.
sync_dir() {
	local f
	while IFS= read -r -d '' f; do
		put "$1/$f" "$2/$f"
	done < <(cd "$1" && find . -type f -printf '%P\0' | sort -z)
	[ -d "$2" ] || return 0
	while IFS= read -r -d '' f; do
		if [ ! -f "$1/$f" ]; then
			rm -f "$2/$f"
			say "removed $2/$f"
			changed=1
		fi
	done < <(cd "$2" && find . -type f -printf '%P\0')
	find "$2" -mindepth 1 -type d -empty -delete
}

put "$repo/bin/lambdad" "$PREFIX/bin/lambdad"
sync_dir "$repo/bin/runtime" "$PREFIX/lib/lambdad/runtime"

if [ -e "$FUNCTIONS_DIR" ]; then
	say "kept $FUNCTIONS_DIR as it is"
else
	mkdir -p "$(dirname "$FUNCTIONS_DIR")"
	rm -rf "$FUNCTIONS_DIR.new"
	cp -R "$repo/examples/functions" "$FUNCTIONS_DIR.new"
	mv "$FUNCTIONS_DIR.new" "$FUNCTIONS_DIR"
	say "installed the example functions in $FUNCTIONS_DIR: $(cd "$FUNCTIONS_DIR" && echo *)"
	changed=1
fi

if [ ! -e "$DEFAULTS_FILE" ]; then
	cat >"$DEFAULTS_FILE" <<-'EOF'
		# Extra flags of `lambdad serve` for lambdad.service (`lambdad serve --help`);
		# they override the unit's --listen 127.0.0.1:9000 and
		# --functions /var/lib/lambdad/functions. Then: systemctl restart lambdad
		#LAMBDAD_OPTS="--listen 0.0.0.0:9000 --functions /srv/functions"
	EOF
	say "installed $DEFAULTS_FILE (commented out)"
fi

unit_tmp=$(mktemp)
sed "s|/usr/local/bin/lambdad|$PREFIX/bin/lambdad|g" "$repo/scripts/lambdad.service" >"$unit_tmp"
chmod 0644 "$unit_tmp"
run_changed=$changed
changed=0
put "$unit_tmp" "$UNIT_FILE"
rm -f "$unit_tmp"
unit_changed=$changed
changed=$((run_changed || unit_changed))

# --- service --------------------------------------------------------------

if [ -d /run/systemd/system ]; then
	if ((unit_changed)); then
		systemctl daemon-reload
		say "systemctl daemon-reload"
	fi
	if ! systemctl is-enabled --quiet lambdad 2>/dev/null; then
		systemctl enable --quiet lambdad
		say "enabled lambdad.service"
	fi
	if ! systemctl is-active --quiet lambdad; then
		systemctl start lambdad
		say "started lambdad.service"
	elif ((changed)); then
		systemctl restart lambdad
		say "restarted lambdad.service"
	fi
	systemctl is-active --quiet lambdad || die "lambdad.service did not start: journalctl -u lambdad"
	say "lambdad.service is running"
	say "logs: journalctl -u lambdad -f; flags: $DEFAULTS_FILE"
else
	say "systemd is not running here, so the service was not started; start lambdad by hand:"
	say "  $PREFIX/bin/lambdad serve --functions $FUNCTIONS_DIR"
fi
if ((changed)); then
	say "done"
else
	say "done: no file changed"
fi
