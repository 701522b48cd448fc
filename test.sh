#!/usr/bin/env bash
# Runs every test. Installs what the tests need when it is missing (CI may start bare).
#   ./test.sh           everything (end-to-end included); extra arguments go to `dotnet test`
#   ./test.sh --fast    the unit and rule tests only, no end-to-end classes: the quick loop while editing
# A test whose prerequisite is missing is reported as skipped with the reason; with HOMEOPS_REQUIRE_NO_SKIPS=1
# (as .ci/run sets it) any skipped test fails the run, but for one kind: tests that compare with an upstream repository's
# own files (Talos' golden files, talhelper's example) need a local mirror of it, which we may read but never copy into
# this repository; a clean clone has none unless .mirror/ sits beside it. Those are listed, and allowed.
set -euo pipefail
cd "$(dirname "$0")"

fast=0
args=()
for arg in "$@"; do
  if [[ "$arg" == --fast ]]; then fast=1; else args+=("$arg"); fi
done

need_apt=()
command -v openssl >/dev/null || need_apt+=(openssl)
command -v git >/dev/null || need_apt+=(git)
if ((!fast)); then
  command -v vtysh >/dev/null || need_apt+=(frr)         # router-config check (vtysh --dryrun) and the BGP lab's router
  command -v gobgpd >/dev/null || need_apt+=(gobgpd)   # the BGP lab's node speakers
fi
python3 -c 'import yaml, jsonschema' 2>/dev/null || need_apt+=(python3 python3-yaml python3-jsonschema)
if ((${#need_apt[@]})); then
  echo "test.sh: installing ${need_apt[*]}" >&2
  if [[ $(id -u) -eq 0 ]]; then apt-get update -qq && apt-get install -y -qq "${need_apt[@]}" >/dev/null
  else sudo apt-get update -qq && sudo apt-get install -y -qq "${need_apt[@]}" >/dev/null; fi
  # Debian's python3 is the one with the packages just installed, whatever else is on PATH
  python3 -c 'import yaml, jsonschema' 2>/dev/null || export PATH="/usr/bin:$PATH"
fi

# kube-apiserver + etcd for the API server tests (tests/apiserver/README.md): built from Debian's
# source once per machine (about 4 minutes) and cached outside the repo; returns at once when cached.
# HOMEOPS_SKIP_APISERVER=1 skips both the build and those tests. --fast runs none of them.
if ((!fast)) && [[ "${HOMEOPS_SKIP_APISERVER:-}" != 1 ]]; then
  bash tests/apiserver/build.sh >/dev/null
fi

results="$(mktemp -d)"
trap 'rm -rf "$results"' EXIT
filter=()
((fast)) && filter=(--filter "Category!=EndToEnd")
status=0
# --blame-hang-timeout: a test still running after 15 minutes (the longest, the bootstrap kill test, takes a few) ends the
# run with that test's name, instead of CI's own limit ending it with none.
dotnet test homeops.slnx -c Release --nologo --results-directory "$results" --logger "trx;LogFileName=tests.trx" \
  --blame-hang-timeout 15m --blame-hang-dump-type none "${filter[@]}" "${args[@]}" || status=$?

# Skipped tests: always listed with their reasons; an error where skips are not allowed (CI).
python3 - "$results/tests.trx" "${HOMEOPS_REQUIRE_NO_SKIPS:-0}" <<'PY' || status=1
import sys, xml.etree.ElementTree as ET
path, strict = sys.argv[1], sys.argv[2] == "1"
try:
    root = ET.parse(path).getroot()
except (OSError, ET.ParseError):
    sys.exit(0)  # no results (the build failed): dotnet test has said why
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
skipped = [(r.get("testName"), " ".join(m.text or "" for m in r.iter("{%s}Message" % ns["t"])).strip())
           for r in root.iter("{%s}UnitTestResult" % ns["t"]) if r.get("outcome") == "NotExecuted"]
for name, why in skipped:
    print(f"skipped: {name}: {why}", file=sys.stderr)
refused = [name for name, why in skipped if not why.startswith("needs the upstream mirror ")]
if refused and strict:
    print(f"test.sh: {len(refused)} test(s) skipped; HOMEOPS_REQUIRE_NO_SKIPS=1 allows none but those needing an upstream mirror",
          file=sys.stderr)
    sys.exit(1)
PY
exit "$status"
