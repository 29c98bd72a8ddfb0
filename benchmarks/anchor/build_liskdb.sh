#!/usr/bin/env bash
# Build lisk-db 0.3.7 (the Rust/neon state database of Klayr SDK v6) from source, from registries
# only: npm gives klayr-framework 0.12.3 and @liskhq/lisk-db 0.3.7 (whose npm package holds the
# Rust sources and Cargo.lock; its install script would download a prebuilt binary, which cannot
# work here, so .npmrc sets ignore-scripts), crates.io gives the crates (cargo --locked).
#
# RocksDB: librocksdb-sys 0.8.0 bundles RocksDB 7.4.4 and would compile it from C++ (long on a
# small machine). By default this links Debian's librocksdb (7.8.3, a compatible C API; bindgen
# still reads the 7.4.4 headers lisk-db was written against) through ROCKSDB_LIB_DIR, and snappy
# through SNAPPY_LIB_DIR (about 2 minutes in all); LISKDB_BUNDLED_ROCKSDB=1 compiles the
# bundled 7.4.4 instead (niced; about 23 minutes on the project's busy 2-core machine; the same
# roots).
#
# Usage: benchmarks/anchor/build_liskdb.sh [--force]
# Output: node_modules/@liskhq/lisk-db/bin-package/index.node under benchmarks/anchor (what
# lisk-db's JS requires), cargo's target dir in benchmarks/anchor/build/ (both git-ignored).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ADDON="$HERE/node_modules/@liskhq/lisk-db/bin-package/index.node"
LIBDIR="${ROCKSDB_LIB_DIR:-/usr/lib/$(gcc -dumpmachine 2>/dev/null || echo x86_64-linux-gnu)}"
started=$(date +%s)

if [[ -f "$ADDON" && "${1:-}" != "--force" ]]; then
  echo "lisk-db already built: $ADDON (--force rebuilds)"
  exit 0
fi

for tool in node npm cargo; do
  command -v "$tool" >/dev/null || { echo "build_liskdb.sh: '$tool' is required" >&2; exit 1; }
done

cd "$HERE"
if [[ ! -f node_modules/@liskhq/lisk-db/Cargo.lock ]]; then
  echo "== npm ci (klayr-framework 0.12.3, @liskhq/lisk-db 0.3.7; scripts off)"
  npm ci --no-audit --no-fund
fi
SRC="$HERE/node_modules/@liskhq/lisk-db"
grep -q '"version": "0.3.7"' "$SRC/package.json" \
  || { echo "build_liskdb.sh: expected @liskhq/lisk-db 0.3.7 in $SRC" >&2; exit 1; }

# System packages: libclang for bindgen; RocksDB and snappy unless the bundled RocksDB is asked.
need=()
# (libclang.so / libclang-N.so, not libclang-cpp.so, which other packages bring)
[[ -n "${LIBCLANG_PATH:-}" || -n "$(ls /usr/lib/llvm-*/lib/libclang.so* \
  /usr/lib/llvm-*/lib/libclang-[0-9]*.so* 2>/dev/null)" ]] || need+=(libclang-dev)
if [[ "${LISKDB_BUNDLED_ROCKSDB:-0}" != 1 ]]; then
  [[ -e "$LIBDIR/librocksdb.so" ]] || need+=(librocksdb-dev)
  [[ -e "$LIBDIR/libsnappy.so" ]] || need+=(libsnappy-dev)
fi
if ((${#need[@]})); then
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
    echo "== apt-get install ${need[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"
  else
    echo "build_liskdb.sh: install ${need[*]} (or LISKDB_BUNDLED_ROCKSDB=1 for RocksDB)" >&2
    exit 1
  fi
fi

export CARGO_TARGET_DIR="$HERE/build/target"
if [[ "${LISKDB_BUNDLED_ROCKSDB:-0}" == 1 ]]; then
  echo "== cargo build (bundled RocksDB 7.4.4 compiled from C++: long)"
  unset ROCKSDB_LIB_DIR SNAPPY_LIB_DIR
else
  echo "== cargo build (linking the system RocksDB in $LIBDIR)"
  export ROCKSDB_LIB_DIR="$LIBDIR" SNAPPY_LIB_DIR="$LIBDIR"
fi
# What lisk-db's own "build-release" script runs (cargo-cp-artifact copies the cdylib to
# bin-package/index.node); without its "-D warnings", which today's rustc would trip on.
(cd "$SRC" && nice cargo build --release --locked --lib)
mkdir -p "$(dirname "$ADDON")"
cp "$CARGO_TARGET_DIR/release/liblisk_db.so" "$ADDON"

# Smoke test: the addon loads and commits a one-key state.
node -e "
const { StateDB } = require('@liskhq/lisk-db');
const os = require('os'), fs = require('fs'), path = require('path'), crypto = require('crypto');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'liskdb-smoke-'));
(async () => {
  const db = new StateDB(dir);
  const writer = db.newReadWriter();
  await writer.set(Buffer.alloc(8, 1), Buffer.from('value'));
  const root = await db.commit(writer, 0, crypto.createHash('sha256').digest());
  writer.close();
  db.close();
  fs.rmSync(dir, { recursive: true });
  console.log('lisk-db smoke test: state root', root.toString('hex'));
})().catch(error => { console.error(error); process.exit(1); });
"
echo "built $ADDON in $(($(date +%s) - started)) s"
