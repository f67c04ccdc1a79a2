#!/usr/bin/env bash
# Build a free-threaded CPython 3.14 (no GIL) and run the transfer bench on it, with the
# GIL off and on, beside the system python3: issue #14's free-threaded measurement.
#
#   benchmarks/free_threaded.sh [bench args...]    (default: the 10,000-account flood)
#
# The interpreter is built once into $ORIGIN_TOOLS_DIR (default .tools/) from CPython's
# source: python.org's release tarball when it is reachable, otherwise the copy of
# github.com/python/cpython at the release tag that the Go module proxy serves (`go mod
# download` checks it against the Go checksum database). Building needs a C compiler and
# the usual -dev packages (libssl, libffi, zlib, libsqlite3, libbz2, liblzma): about
# 6 minutes on 2 cores. The venv gets the project and its runtime dependencies (all of
# which publish cp314t wheels); the node the bench starts runs on the bench's interpreter.
set -euo pipefail

version=3.14.7
root=$(cd "$(dirname "$0")/.." && pwd)
tools=${ORIGIN_TOOLS_DIR:-$root/.tools}
prefix=$tools/cpython-$version-t
venv=$tools/venv-$version-t
python_t=$prefix/bin/python${version%.*}t

build_cpython() {
    local work
    work=$(mktemp -d)
    trap 'rm -rf "$work"' RETURN
    local source
    if curl -fsSL -m 60 -o "$work/src.tar.xz" \
        "https://www.python.org/ftp/python/$version/Python-$version.tar.xz" 2>/dev/null; then
        tar -xJf "$work/src.tar.xz" -C "$work"
        source=$work/Python-$version
    elif command -v go >/dev/null; then
        local dir
        dir=$(GOMODCACHE=$work/gomod GOFLAGS=-modcacherw \
            go mod download -json "github.com/python/cpython@v$version+incompatible" |
            python3 -c 'import json, sys; print(json.load(sys.stdin)["Dir"])')
        cp -r "$dir" "$work/src"
        source=$work/src
        chmod +x "$source/configure" "$source/install-sh" "$source/config.guess" \
            "$source/config.sub"
    else
        echo "neither python.org nor Go's module proxy (no go) is reachable for CPython $version" >&2
        exit 1
    fi
    echo "building CPython $version, free-threaded, into $prefix" >&2
    (cd "$source" && ./configure --disable-gil --prefix="$prefix" --with-ensurepip=install \
        >"$work/configure.log" 2>&1 && make -j"$(nproc)" >"$work/make.log" 2>&1 &&
        make install >"$work/install.log" 2>&1) || {
        tail -20 "$work"/*.log >&2
        exit 1
    }
}

[ -x "$python_t" ] || build_cpython
if [ ! -x "$venv/bin/python" ]; then
    "$python_t" -m venv "$venv"
    "$venv/bin/python" -m pip install -q -e "$root"
fi
"$venv/bin/python" -c 'import sys; assert not sys._is_gil_enabled(), "the GIL is on"'

args=("$@")
[ ${#args[@]} -gt 0 ] || args=(--accounts 10000 --txs 60000 --batch 1000)
run_origin='import sys; from originledger.cli.main import main; sys.argv[0] = "origin"; main()'
bench() { (cd /tmp && "$1" -c "$run_origin" bench transfers "${args[@]}" --json); }
summary='import json, sys
d = json.load(sys.stdin)
keys = ("transfers_per_s", "latency_p50_ms", "latency_p99_ms", "node_cpu_us_per_transfer",
        "node_process_cpu_us_per_transfer", "raw_verify_per_s_all_cores", "ratio_to_raw_verify")
print(sys.argv[1].ljust(28), "  ".join(f"{k}={d.get(k)}" for k in keys))'
bench "$venv/bin/python" | python3 -c "$summary" "3.14t, GIL off"
PYTHON_GIL=1 bench "$venv/bin/python" | python3 -c "$summary" "3.14t, GIL on (PYTHON_GIL=1)"
PYTHONPATH=$root bench python3 | python3 -c "$summary" "system $(python3 -V)"
