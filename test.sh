#!/usr/bin/env bash
# Runs every test. Installs what the tests need when it is missing (CI may start bare).
set -euo pipefail
cd "$(dirname "$0")"

need_apt=()
command -v openssl >/dev/null || need_apt+=(openssl)
command -v git >/dev/null || need_apt+=(git)
command -v vtysh >/dev/null || need_apt+=(frr)         # router-config check (vtysh --dryrun) and the BGP lab's router
command -v gobgpd >/dev/null || need_apt+=(gobgpd)   # the BGP lab's node speakers
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
# HOMEOPS_SKIP_APISERVER=1 skips both the build and those tests.
if [[ "${HOMEOPS_SKIP_APISERVER:-}" != 1 ]]; then
  bash tests/apiserver/build.sh >/dev/null
fi

dotnet test homeops.slnx -c Release --nologo "$@"
