#!/usr/bin/env bash
# Builds the kube-apiserver that the API server tests run (tests/HomeOps.Tests/Support/ApiServerFixture.cs)
# from Debian's `kubernetes` source package (vendored Go dependencies, Debian's golang-go, no module
# downloads), and caches it outside the repository:
#
#   ${HOMEOPS_CACHE:-$HOME/.cache/homeops}/kube-apiserver-<VERSION>/kube-apiserver
#
# Idempotent: when the binary is cached (built by this recipe) and etcd is installed it only prints the
# path. Otherwise it installs what is missing (golang-go make rsync dpkg-dev etcd-server
# golang-github-modern-go-reflect2-dev), adds a deb-src source when none is configured (as root),
# builds (about 4 minutes on 2 cores), and prints the path on stdout; progress goes to stderr.
#
# One source change: the vendored github.com/modern-go/reflect2 v1.0.1 is replaced by Debian's 1.0.2.
# v1.0.1 predates Go 1.18's runtime map iterator change; built with bookworm's Go 1.19 the API server
# dies with SIGSEGV (aeshashbody / mapiternext in json-iterator's sorted-map encoder) on the first custom
# resource it decodes. reflect2 1.0.2 is the upstream fix and API-compatible.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
version="$(tr -d '[:space:]' <"$here/VERSION")"          # upstream version, e.g. 1.20.2
cache="${HOMEOPS_CACHE:-$HOME/.cache/homeops}"
dest="$cache/kube-apiserver-$version"
bin="$dest/kube-apiserver"
recipe="$(tr -d '[:space:]' <"$here/RECIPE")"             # bumped when the build changes: cached binaries are rebuilt

log() { echo "apiserver/build.sh: $*" >&2; }

as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }

cached() { [[ -x "$bin" && "$(cat "$dest/recipe" 2>/dev/null)" == "$recipe" ]]; }
reflect2=/usr/share/gocode/src/github.com/modern-go/reflect2

if cached && command -v etcd >/dev/null; then echo "$bin"; exit 0; fi

# --- packages -------------------------------------------------------------------------------------
apt_updated=0
apt_update() { ((apt_updated)) || { as_root apt-get update -qq; apt_updated=1; }; }
need=()
command -v etcd >/dev/null || need+=(etcd-server)
if ! cached; then
  command -v go >/dev/null || need+=(golang-go)
  [[ -f $reflect2/go_above_118.go ]] || need+=(golang-github-modern-go-reflect2-dev)
  command -v make >/dev/null || need+=(make)
  command -v rsync >/dev/null || need+=(rsync)
  command -v dpkg-source >/dev/null || need+=(dpkg-dev)
fi
if ((${#need[@]})); then
  log "installing ${need[*]}"
  apt_update
  # etcd-server's postinst wants to start a system etcd; the tests start their own
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
if cached; then echo "$bin"; exit 0; fi

# --- the source package ---------------------------------------------------------------------------
# (output captured, not piped into grep -q: with pipefail an early-closing grep can fail the pipe)
has_source() { [[ $'\n'"$(apt-cache showsrc kubernetes 2>/dev/null)"$'\n' == *$'\nPackage: kubernetes\n'* ]]; }
if ! has_source; then
  apt_update
  if ! has_source; then
    src=/etc/apt/sources.list.d/debian-src.sources
    [[ $(id -u) -eq 0 ]] || { log "no deb-src source for 'kubernetes': add one (e.g. $src with Types: deb-src) or run as root"; exit 1; }
    log "adding deb-src source $src"
    if [[ -f /etc/apt/sources.list.d/debian.sources ]]; then
      # deb822: the same entries with Types: deb-src
      sed -E 's/^Types:.*$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources >"$src"
    elif [[ -f /etc/apt/sources.list ]]; then
      grep -E '^deb ' /etc/apt/sources.list | sed -E 's/^deb /deb-src /' >/etc/apt/sources.list.d/debian-src.list
    else
      log "no Debian apt source found to derive a deb-src entry from"; exit 1
    fi
    apt-get update -qq
    has_source || { log "apt knows no source package 'kubernetes' even with deb-src"; exit 1; }
  fi
fi
debver="$(apt-cache showsrc kubernetes | sed -n 's/^Version: //p')"
debver="${debver%%$'\n'*}"
case "$debver" in
  *"really$version"-*|"$version"-*) ;;
  *) log "Debian's kubernetes source is $debver, not upstream $version (tests/apiserver/VERSION)"; exit 1 ;;
esac

mkdir -p "$cache"
exec 9>"$cache/.kube-apiserver-$version.lock"
flock 9                                                   # one build at a time on this machine
if cached; then echo "$bin"; exit 0; fi

work="$(mktemp -d "$cache/build-kube-apiserver.XXXXXX")"
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"                                         # apt's _apt user downloads into it
log "fetching source kubernetes $debver"
(cd "$work" && apt-get source -qq "kubernetes=$debver" >"$work/source.log" 2>&1) || { cat "$work/source.log" >&2; exit 1; }
tree="$(find "$work" -mindepth 1 -maxdepth 1 -type d -name 'kubernetes-*' | head -n1)"
[[ -d "$tree/vendor/github.com/modern-go/reflect2" ]] || { log "unpacked source has no vendored reflect2"; exit 1; }

# reflect2 1.0.1 -> Debian's 1.0.2 (see the header)
[[ -f $reflect2/go_above_118.go ]] || { log "$reflect2 is not reflect2 >= 1.0.2"; exit 1; }
rm -rf "$tree/vendor/github.com/modern-go/reflect2"
cp -r "$reflect2" "$tree/vendor/github.com/modern-go/reflect2"
rm -f "$tree/vendor/github.com/modern-go/reflect2/go.mod"
sed -i 's|github.com/modern-go/reflect2 v1.0.1|github.com/modern-go/reflect2 v1.0.2|g' "$tree/go.mod" "$tree/vendor/modules.txt"

# --- build (as debian/rules does: CGO off, GOPATH inside the tree; never touch the network) ----
# Kubernetes 1.20 builds in GOPATH mode (hack/lib/init.sh sets GO111MODULE=off), so vendor/ is what
# resolves every import; GOFLAGS/GOPROXY/GOTOOLCHAIN only make sure nothing is ever downloaded.
log "building kube-apiserver $version with $(go version | cut -d' ' -f3) (about 4 minutes on 2 cores)"
export GOPATH="$tree/.go" GOCACHE="$work/gocache" GOFLAGS=-mod=vendor GOPROXY=off GOTOOLCHAIN=local \
  GO111MODULE=off CGO_ENABLED=0
mkdir -p "$tree/.go/src/k8s.io"
ln -sfn ../../.. "$tree/.go/src/k8s.io/kubernetes"
start=$SECONDS
if (cd "$tree" && nice -n 19 make WHAT=cmd/kube-apiserver >"$work/make.log" 2>&1); then
  built="$tree/_output/bin/kube-apiserver"
else
  log "make WHAT=cmd/kube-apiserver failed (tail below); trying go build"
  tail -n 20 "$work/make.log" >&2
  built="$work/kube-apiserver"
  (cd "$tree/.go/src/k8s.io/kubernetes" && nice -n 19 go build -o "$built" -ldflags "-X k8s.io/component-base/version.gitVersion=v$version \
      -X k8s.io/component-base/version.gitMajor=${version%%.*} -X k8s.io/component-base/version.gitMinor=$(cut -d. -f2 <<<"$version")" \
      ./cmd/kube-apiserver) >&2
fi
reported="$("$built" --version)"
[[ $reported == "Kubernetes v$version" ]] || { log "built binary reports '$reported', expected v$version"; exit 1; }
mkdir -p "$dest"
cp "$built" "$dest/.kube-apiserver.tmp" && mv -f "$dest/.kube-apiserver.tmp" "$bin"   # atomic
echo "$recipe" >"$dest/recipe"
log "built in $((SECONDS - start)) s"
echo "$bin"
