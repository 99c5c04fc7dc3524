#!/usr/bin/env bash
# Offline checks of what sets lambdad up on other hosts (make check-hosts):
# the Vagrantfile parses, the sample CI workflow is YAML of the expected shape,
# every script parses, and systemd-analyze accepts the unit. Needs ruby
# (scripts/deps.sh installs it); systemd-analyze is skipped, saying so, where
# it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

failed=0
pass() { echo "check-hosts: ok    $*"; }
fail() { echo "check-hosts: FAIL  $*" >&2; failed=1; }

command -v ruby >/dev/null || { echo "check-hosts: ruby is missing (scripts/deps.sh installs it)" >&2; exit 1; }

if out=$(ruby -c Vagrantfile 2>&1); then pass "Vagrantfile: ruby -c"; else fail "Vagrantfile: $out"; fi

wf=examples/ci/github-actions.yml
# YAML 1.1 reads the key `on` as true; GitHub reads it as "on".
if out=$(ruby -ryaml -e '
	begin
		y = YAML.load_file(ARGV[0])
		raise "no on:" unless y.key?(true) || y.key?("on")
		steps = y.fetch("jobs").values.flat_map { |j| j.fetch("runs-on") && j.fetch("steps") }
		raise "a step has neither run nor uses" unless steps.all? { |s| s["run"] || s["uses"] }
		puts "#{steps.size} steps"
	rescue StandardError, Psych::SyntaxError => e
		abort e.message
	end' "$wf" 2>&1); then
	pass "$wf: YAML, $out"
else
	fail "$wf: $out"
fi

for f in scripts/*.sh scripts/cgroup2-guest/*.sh; do
	[ -e "$f" ] || continue
	if out=$(bash -n "$f" 2>&1); then pass "$f: bash -n"; else fail "$f: $out"; fi
done

# systemd-analyze verify fails when ExecStart's binary does not exist, which
# is the case on any host lambdad is not installed on (CI, a fresh checkout).
# So it verifies a copy whose ExecStart runs /bin/true with the same arguments:
# every directive is still checked, and the real path is checked here apart.
# Unknown or misspelt directives are only warnings (exit status 0), so any
# line about the unit counts as a failure.
unit=scripts/lambdad.service
if ! grep -q '^ExecStart=/usr/local/bin/lambdad serve ' "$unit"; then
	fail "$unit: ExecStart is not /usr/local/bin/lambdad serve ... (scripts/install.sh rewrites that path)"
fi
if command -v systemd-analyze >/dev/null; then
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	sed 's|^ExecStart=/usr/local/bin/lambdad |ExecStart=/bin/true |' "$unit" >"$tmp/lambdad.service"
	out=$(SYSTEMD_LOG_COLOR=0 systemd-analyze verify --man=no "$tmp/lambdad.service" 2>&1) && rc=0 || rc=$?
	about_unit=$(grep -E 'lambdad\.service' <<<"$out" || true)
	if ((rc == 0)) && [ -z "$about_unit" ]; then
		pass "$unit: systemd-analyze verify ($(systemd-analyze --version | head -1))"
	else
		fail "$unit: systemd-analyze verify (exit $rc): ${about_unit:-$out}"
	fi
else
	echo "check-hosts: skip  $unit: systemd-analyze is not installed (Debian package systemd), so the unit was not verified"
fi

if ((failed)); then
	echo "check-hosts: FAILED" >&2
	exit 1
fi
echo "check-hosts: all passed"
