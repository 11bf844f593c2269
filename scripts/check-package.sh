#!/usr/bin/env bash
# Checks the package end to end: validates the desktop entry and the AppStream metainfo, installs the build
# into a fresh prefix with `cmake --install`, builds the .deb with cpack, checks its control fields and
# contents, unpacks it into a fresh root and runs `faultline --headless` from each place.
#
#   scripts/check-package.sh [BUILD_DIR]     (default: build/release, configured with the release preset if
#                                             missing; CI passes build/dev, which its test command has built)
#
# Needs desktop-file-utils, appstream and dpkg-dev (scripts/install-deps.sh installs them). Runs lintian when
# it is installed, and reports its errors without failing on them. Exits non-zero on the first problem.
set -euo pipefail
cd "$(dirname "$0")/.."
root_dir=$PWD
build=${1:-build/release}
id=io.github.faultline.Faultline

fail() {
    echo "check-package: FAIL: $*" >&2
    exit 1
}
step() { echo "check-package: $*"; }

for tool in desktop-file-validate appstreamcli dpkg-shlibdeps dpkg-deb cpack; do
    command -v "$tool" >/dev/null 2>&1 || fail "$tool is missing: run scripts/install-deps.sh"
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# 1. The sources: the validators fail on errors and warnings, not on hints or pedantic notes.
step "validating the desktop entry and the metainfo"
desktop-file-validate "packaging/$id.desktop" || fail "desktop-file-validate packaging/$id.desktop"
appstreamcli validate --no-net "packaging/$id.metainfo.xml" || fail "appstreamcli validate packaging/$id.metainfo.xml"

# 2. The build.
if [ ! -f "$build/CMakeCache.txt" ]; then
    [ "$build" = build/release ] || fail "$build is not a configured build directory"
    cmake --preset release
fi
step "building $build"
cmake --build "$build" -j2

# Checks that the program $1 is there, resolves its libraries on the system and has no RPATH into the tree.
check_program() {
    local bin=$1
    [ -x "$bin" ] || fail "$bin is missing or not executable"
    local missing
    missing=$(ldd "$bin" | grep 'not found' || true)
    [ -z "$missing" ] || fail "$bin: unresolved libraries: $missing"
    if readelf -d "$bin" | grep -E 'R(UN)?PATH' | grep -qF "$root_dir"; then
        fail "$bin has an RPATH into the source or build tree: $(readelf -d "$bin" | grep -E 'R(UN)?PATH')"
    fi
}

# Runs a headless simulation with the binary $1 (bin/faultline in a prefix) and checks the snapshot it
# writes; then a headless listen, which bin/faultline hands to libexec/faultline/faultline-full.
run_headless() {
    local bin=$1 out=$2
    check_program "$bin"
    check_program "$(dirname "$bin")/../libexec/faultline/faultline-full"
    # From an empty working directory, with the source tree nowhere on any path.
    (cd "$tmp" && env -u LD_LIBRARY_PATH "$bin" --headless --duration 5 --quiet builtin:checkout \
        --snapshot "$out") || fail "$bin --headless --duration 5 builtin:checkout exited with $?"
    grep -q '"format": "faultline.snapshot/1"' "$out" || fail "$out is not a snapshot"
    grep -q '"id": "gateway"' "$out" || fail "$out has no gateway node"
    "$bin" --version | grep -q '^faultline ' || fail "$bin --version"
    (cd "$tmp" && env -u LD_LIBRARY_PATH "$bin" --headless --listen 127.0.0.1:0 --duration 0.2 --quiet \
        --snapshot "$out.live") || fail "$bin --headless --listen (through faultline-full) exited with $?"
    grep -q '"source": "live"' "$out.live" || fail "$out.live is not a live snapshot"
}

# Checks that the tree under $1 (a prefix) holds every installed file.
check_tree() {
    local prefix=$1 f
    for f in bin/faultline libexec/faultline/faultline-full share/applications/$id.desktop share/metainfo/$id.metainfo.xml \
        share/icons/hicolor/scalable/apps/$id.svg share/icons/hicolor/48x48/apps/$id.png \
        share/icons/hicolor/128x128/apps/$id.png share/icons/hicolor/256x256/apps/$id.png \
        share/man/man1/faultline.1.gz; do
        [ -s "$prefix/$f" ] || fail "$prefix/$f was not installed"
    done
    desktop-file-validate "$prefix/share/applications/$id.desktop" || fail "installed desktop entry"
    appstreamcli validate --no-net "$prefix/share/metainfo/$id.metainfo.xml" || fail "installed metainfo"
}

# 3. cmake --install into a fresh prefix.
step "cmake --install into a fresh prefix"
cmake --install "$build" --prefix "$tmp/prefix" >/dev/null || fail "cmake --install $build"
check_tree "$tmp/prefix"
run_headless "$tmp/prefix/bin/faultline" "$tmp/prefix.json"

# 4. cpack: the .deb and its fields.
step "cpack in $build"
rm -f "$build"/faultline_*.deb
(cd "$build" && cpack -G DEB >"$tmp/cpack.log" 2>&1) || { cat "$tmp/cpack.log" >&2; fail "cpack"; }
debs=("$build"/faultline_*.deb)
[ -f "${debs[0]}" ] && [ ${#debs[@]} -eq 1 ] || fail "cpack made no single faultline_*.deb in $build"
deb=${debs[0]}
step "built $deb"
for field in Package Version Architecture Maintainer Depends Section Homepage Description; do
    dpkg-deb -f "$deb" "$field" | grep -q . || fail "$deb has no $field field"
done
depends=$(dpkg-deb -f "$deb" Depends)
for lib in libc6 libstdc++6 libqt6core6 libqt6gui6 libqt6widgets6 libqt6charts6 libprotobuf libgrpc++ libqt6svg6; do
    grep -q "$lib" <<<"$depends" || fail "Depends lacks $lib: $depends"
done
contents=$(dpkg-deb -c "$deb")
grep -q '\./usr/bin/faultline$' <<<"$contents" || fail "$deb has no /usr/bin/faultline"
grep -q '\./usr/libexec/faultline/faultline-full$' <<<"$contents" || fail "$deb has no /usr/libexec/faultline/faultline-full"

# 5. The .deb in a fresh root: every file, and the binary runs from there on the system's libraries.
step "unpacking the .deb into a fresh root"
dpkg-deb -x "$deb" "$tmp/root" || fail "dpkg-deb -x $deb"
check_tree "$tmp/root/usr"
run_headless "$tmp/root/usr/bin/faultline" "$tmp/root.json"
cmp -s "$tmp/prefix.json" "$tmp/root.json" || fail "the installed and the packaged binary disagree on a seeded run"

# The declared dependencies resolve on this system's archive (Debian 12 in CI), without installing anything.
if command -v apt-get >/dev/null 2>&1; then
    apt-get install --simulate -q "$root_dir/$deb" >"$tmp/apt.log" 2>&1 || {
        cat "$tmp/apt.log" >&2
        fail "apt cannot satisfy the Depends of $deb"
    }
fi

if command -v lintian >/dev/null 2>&1; then
    step "lintian (informational)"
    lintian --tag-display-limit 0 "$deb" || true
fi
step "OK: $deb"
