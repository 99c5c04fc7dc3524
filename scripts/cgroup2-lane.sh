#!/bin/sh
# Usage: sudo scripts/cgroup2-lane.sh [PACKAGE...]   (default ./sandbox/)
# Runs the packages' root tests in a qemu guest whose /sys/fs/cgroup is pure cgroup v2
# and exits with their status. Env: LANE_TESTFLAGS (e.g. "-test.run TestFoo"), see below.
#
# The cgroup v2 test lane: this host (and CI) may be cgroup v1/hybrid, most users' hosts
# are pure v2. On the host it builds each package's test binary (static, cgo for
# libcontainer) and the in-sandbox init, puts them in a share dir with
# scripts/cgroup2-guest/run.sh, boots a Debian kernel + busybox initramfs
# (scripts/cgroup2-guest/init) with that dir as 9p /mnt/host, and runs them there as
# root with LAMBDAD_REQUIRE_ROOT=1, LAMBDAD_TEST_INIT and LAMBDAD_TEST_ESCAPEFN (the
# guest has no Go).
# The guest has loopback only; the only network use is apt (missing host packages,
# the kernel package), and `go` resolving modules for the build, as in any build.
#
# Cache (kernel, modules, initramfs) in LANE_CACHE (default /var/tmp/lambdad-cgroup2-vm).
# Env: LANE_MEM (MiB, 2048), LANE_CPUS (2), LANE_ACCEL (auto|kvm|tcg; auto = kvm only
#      when the CPU has vmx/svm), LANE_TIMEOUT (s, 2400), LANE_KERNEL_PKG (default: what
#      linux-image-amd64 depends on), LANE_KEEP=1 (keep the share dir), GO (go).
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
GUEST=$ROOT/scripts/cgroup2-guest
CACHE=${LANE_CACHE:-/var/tmp/lambdad-cgroup2-vm}
MEM=${LANE_MEM:-2048}
CPUS=${LANE_CPUS:-2}
ACCEL=${LANE_ACCEL:-auto}
TIMEOUT=${LANE_TIMEOUT:-2400}
GO=${GO:-go}
export PATH="$PATH:/usr/local/go/bin:/usr/sbin:/sbin" # sudo's secure_path lacks Go's
[ $# -gt 0 ] || set -- ./sandbox/
# Modules loaded in the guest, with their dependencies (9p over virtio-pci; veth, the
# bridge and nftables for the sandboxes' network; crc32c_generic first, libcrc32c's
# soft dependency, which insmod does not follow; nft_meta_bridge, the bridge family's meta,
# which a kernel with modprobe would load itself). Built-in ones are skipped.
MODULES="virtio_pci 9pnet_virtio 9p overlay loop veth bridge crc32c_generic nf_tables nft_chain_nat nft_masq nft_nat nft_ct nft_reject_inet nft_meta_bridge"
T0=$(date +%s)
log() { echo "cgroup2-lane: $(date +%T) $*" >&2; }
die() { log "error: $*"; exit 125; }

# 1. Host packages (Debian/Ubuntu names).
need=
command -v qemu-system-x86_64 >/dev/null || need="$need qemu-system-x86"
command -v depmod >/dev/null || need="$need kmod"
command -v cpio >/dev/null || need="$need cpio"
command -v xz >/dev/null || need="$need xz-utils"
dpkg-query -W -f '${Status}' busybox-static 2>/dev/null | grep -q 'ok installed' || need="$need busybox-static"
if [ -n "$need" ]; then
  [ "$(id -u)" = 0 ] || die "missing packages:$need (run as root to install them)"
  log "installing$need"
  apt-get update -qq
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $need >/dev/null
fi
command -v "$GO" >/dev/null || die "no Go toolchain ($GO) on PATH"

# 2. Test binaries and the init, into a fresh share dir.
mkdir -p "$CACHE"
SHARE=$(mktemp -d "${TMPDIR:-/tmp}/cgroup2-lane.XXXXXX")
chmod 755 "$SHARE"
QPID=
cleanup() {
  [ -z "$QPID" ] || kill "$QPID" 2>/dev/null || true
  if [ "${LANE_KEEP:-}" = 1 ]; then log "share dir kept: $SHARE"; else rm -rf "$SHARE"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
log "building test binaries for $* and the init"
(cd "$ROOT" && CGO_ENABLED=0 "$GO" build -trimpath -o "$SHARE/init" ./runtime/init)
(cd "$ROOT" && CGO_ENABLED=0 "$GO" build -trimpath -o "$SHARE/escapefn" ./internal/testfn/escapefn)
: > "$SHARE/tests.list"
for pkg in "$@"; do
  dir=$(cd "$ROOT" && "$GO" list -f '{{.Dir}}' "$pkg")
  name=$(echo "${dir#"$ROOT"}" | sed 's|^/||; s|/|-|g')
  [ -n "$name" ] || name=root
  (cd "$ROOT" && CGO_ENABLED=1 "$GO" test -c -tags 'netgo osusergo' \
    -ldflags '-extldflags "-static"' -o "$SHARE/$name.test" "$pkg")
  [ -f "$SHARE/$name.test" ] || { log "$pkg has no tests"; continue; }
  mkdir -p "$SHARE/$name" # the test's cwd, as under go test
  [ ! -d "$dir/testdata" ] || cp -a "$dir/testdata" "$SHARE/$name/"
  echo "$name" >> "$SHARE/tests.list"
done
[ -s "$SHARE/tests.list" ] || die "no test binaries"
# The service's end-to-end tests (cmd/lambdad) start the daemon itself and a Go
# test function: prebuilt here (the guest has no Go), static like the tests.
if grep -qx 'cmd-lambdad' "$SHARE/tests.list"; then
  P=$SHARE/prebuilt
  mkdir -p "$P/runtime/python"
  (cd "$ROOT" && CGO_ENABLED=1 "$GO" build -trimpath -tags 'netgo osusergo urfave_cli_no_docs' \
    -ldflags '-extldflags "-static"' -o "$P/lambdad" ./cmd/lambdad)
  (cd "$ROOT" && CGO_ENABLED=0 "$GO" build -trimpath -tags lambda.norpc -o "$P/gofn" ./cmd/lambdad/testdata/gofn)
  (cd "$ROOT" && CGO_ENABLED=0 "$GO" build -trimpath -tags lambda.norpc -o "$P/netfn" ./internal/testfn/netfn)
  (cd "$ROOT" && CGO_ENABLED=0 "$GO" build -trimpath -o "$P/extfn" ./internal/testfn/extfn)
  cp "$SHARE/init" "$P/runtime/init"
  cp -r "$ROOT/runtime/python/bootstrap.py" "$ROOT/runtime/python/lambda_runtime" "$P/runtime/python/"
  cp "$ROOT/examples/functions/hello/handler.py" "$P/hello.py"
  chmod -R a+rX "$P"
fi
cp "$GUEST/run.sh" "$SHARE/run.sh"
echo "${LANE_TESTFLAGS:-}" > "$SHARE/testflags"

# 3. Guest kernel and initramfs, cached (one preparer at a time).
cd "$CACHE"
exec 9>"$CACHE/.lock"
command -v flock >/dev/null && flock 9
kpkg() { apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/{print $2; exit}'; }
KPKG=${LANE_KERNEL_PKG:-$(kpkg)}
if [ -z "$KPKG" ]; then
  # No apt lists: use the newest cached kernel, or refresh the lists.
  KVER=$(ls -t kernel-*/vmlinux 2>/dev/null | head -1 | sed 's|^kernel-||; s|/vmlinux$||')
  if [ -n "$KVER" ]; then KPKG=linux-image-$KVER; else apt-get update -qq; KPKG=$(kpkg); fi
fi
[ -n "$KPKG" ] || die "cannot find Debian's linux-image-amd64 kernel package (set LANE_KERNEL_PKG)"
KVER=${KPKG#linux-image-}
K=$CACHE/kernel-$KVER
if [ ! -s "$K/vmlinux" ] || [ ! -s "$K/modules/load.order" ] || [ "$(cat "$K/modules/wanted" 2>/dev/null)" != "$MODULES" ]; then
  log "fetching $KPKG (once per kernel version)"
  rm -rf "$K" "$K.tmp" "$CACHE/kpkg" && mkdir -p "$CACHE/kpkg" "$K.tmp/modules"
  (cd "$CACHE/kpkg" && apt-get download "$KPKG" >/dev/null 2>&1) || die "apt-get download $KPKG failed"
  dpkg -x "$CACHE"/kpkg/*.deb "$CACHE/kpkg/x"
  M=$CACHE/kpkg/x/lib/modules/$KVER
  [ -d "$M" ] || M=$CACHE/kpkg/x/usr/lib/modules/$KVER
  depmod -b "${M%/lib/modules/*}" "$KVER"
  # The uncompressed vmlinux skips the decompressor, slow under TCG (~5 s a boot);
  # if the xz stream is not found, boot the bzImage as it is.
  vmlinuz=$CACHE/kpkg/x/boot/vmlinuz-$KVER
  off=$(LC_ALL=C grep -abo -m1 "$(printf '\3757zXZ')" "$vmlinuz" | head -1 | cut -d: -f1)
  if [ -n "$off" ] && tail -c +$((off + 1)) "$vmlinuz" | xz -dc --single-stream > "$K.tmp/vmlinux" 2>/dev/null; then :
  else cp "$vmlinuz" "$K.tmp/vmlinux"; fi
  : > "$K.tmp/modules/load.order"
  for mod in $MODULES; do
    if grep -qE "/$mod\.ko" "$M/modules.builtin" 2>/dev/null; then continue; fi
    line=$(grep -E "/$mod\.ko(\.[gx]z|\.zst)?:" "$M/modules.dep") || die "module $mod not in $KPKG"
    for f in $(echo "${line#*:}" | tr ' ' '\n' | tac) "${line%%:*}"; do
      b=$(basename "$f"); b=${b%.xz}; b=${b%.gz}; b=${b%.zst}
      grep -qx "$b" "$K.tmp/modules/load.order" && continue
      case $f in # busybox insmod takes plain .ko files
        *.xz) xz -dc "$M/$f" > "$K.tmp/modules/$b" ;;
        *.gz) gzip -dc "$M/$f" > "$K.tmp/modules/$b" ;;
        *.zst) zstd -qdc "$M/$f" > "$K.tmp/modules/$b" ;;
        *) cp "$M/$f" "$K.tmp/modules/$b" ;;
      esac
      echo "$b" >> "$K.tmp/modules/load.order"
    done
  done
  echo "$MODULES" > "$K.tmp/modules/wanted"
  rm -rf "$K" && mv "$K.tmp" "$K"
  rm -rf "$CACHE/kpkg"
fi
# The initramfs depends on the guest init, the modules and busybox: keyed by their hash.
IKEY=$(cat "$GUEST/init" /bin/busybox "$K/modules/load.order" | sha256sum | cut -c1-16)
INITRD=$K/initrd-$IKEY.gz
if [ ! -s "$INITRD" ]; then
  log "building the initramfs"
  R=$(mktemp -d "$CACHE/irfs.XXXXXX")
  mkdir -p "$R/bin" "$R/lib" "$R/etc" "$R/proc" "$R/sys" "$R/dev" "$R/tmp" "$R/mnt/host"
  cp /bin/busybox "$R/bin/busybox"
  cp -a "$K/modules" "$R/lib/modules"
  cp "$GUEST/init" "$R/init" && chmod 755 "$R/init"
  (cd "$R" && find . | cpio -o -H newc --quiet | gzip -1) > "$INITRD.tmp"
  mv "$INITRD.tmp" "$INITRD"
  rm -rf "$R"
  find "$K" -name 'initrd-*.gz' ! -name "initrd-$IKEY.gz" -delete
fi
flock -u 9 2>/dev/null || true
log "ready after $(($(date +%s) - T0))s"

# 4. Boot. A host /dev/kvm may be unusable for a stock kernel (PVM-only KVM in nested
#    sandboxes): use KVM only when the CPU advertises vmx/svm.
if [ "$ACCEL" = auto ]; then
  if [ -w /dev/kvm ] && grep -qwE 'vmx|svm' /proc/cpuinfo; then ACCEL=kvm; else ACCEL=tcg; fi
fi
case $ACCEL in
  kvm) A="-accel kvm -cpu host" ;;
  tcg) A="-accel tcg,thread=multi -cpu max" ;;
  *) die "LANE_ACCEL=$ACCEL: want auto, kvm or tcg" ;;
esac
log "booting $KVER ($ACCEL, $CPUS vCPUs, $MEM MiB)"
# shellcheck disable=SC2086
timeout "$TIMEOUT" qemu-system-x86_64 $A -machine q35 -smp "$CPUS" -m "$MEM" \
  -nographic -nodefaults -no-reboot -serial stdio -nic none \
  -kernel "$K/vmlinux" -initrd "$INITRD" \
  -append "console=ttyS0 panic=-1 quiet loglevel=3" \
  -virtfs "local,path=$SHARE,mount_tag=host0,security_model=none,id=host0" </dev/null &
QPID=$!
qrc=0; wait "$QPID" || qrc=$?
QPID=
[ "$qrc" != 124 ] || log "the guest timed out after ${TIMEOUT}s"

# 5. Summary and status.
echo
echo "=== cgroup v2 lane summary ($(($(date +%s) - T0))s)"
for name in $(cat "$SHARE/tests.list"); do
  [ -f "$SHARE/$name.log" ] || { echo "$name: did not run"; continue; }
  tr -d '\r' < "$SHARE/$name.log" | awk -v n="$name" '
    /^ *--- (PASS|FAIL|SKIP):/ { sub(/^ */, ""); c[$2]++; if ($2 != "PASS:") print "  " $0 }
    END { printf "%s: %d passed, %d failed, %d skipped (subtests included)\n", n, c["PASS:"], c["FAIL:"], c["SKIP:"] }'
done
[ -f "$SHARE/.lane-rc" ] || { log "the guest reported no result (qemu exit $qrc)"; exit 125; }
rc=$(cat "$SHARE/.lane-rc")
if [ "$rc" = 0 ]; then echo "cgroup v2 lane: PASS"; else echo "cgroup v2 lane: FAIL (guest status $rc)"; fi
exit "$rc"
