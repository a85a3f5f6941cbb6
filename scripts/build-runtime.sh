#!/usr/bin/env bash
# Build keepvip and assemble the runtime tree: what the container image (and a package)
# ships. The Dockerfile's builder stage runs exactly this script, and
# test/ops/container-build.test.ts runs it outside Docker on a copy of the repository.
#
#   scripts/build-runtime.sh [OUT]     (OUT defaults to ./runtime)
#
# Steps, in order:
#   1. npm ci                 installs the locked dependencies; its `prepare` step
#                             compiles TypeScript and node-gyp builds the native addon;
#   2. npm run build          the TypeScript build, explicitly (the image must not
#                             depend on npm running `prepare`);
#   3. npm prune --omit=dev   drops the development dependencies;
#   4. copy package.json, bin/, dist/, node_modules/, build/Release/*.node and config/
#      into OUT.
set -euo pipefail

cd "$(dirname "$0")/.."
OUT="${1:-runtime}"

npm ci --no-audit --no-fund
npm run build
npm prune --omit=dev --no-audit --no-fund

rm -rf "$OUT"
mkdir -p "$OUT"
# package.json carries "type": "module", which bin/keepvip.js and dist/ need.
cp package.json "$OUT/"
cp -R bin dist node_modules "$OUT/"
# npm prune leaves the emptied @scope directories of removed packages behind.
find "$OUT/node_modules" -mindepth 1 -maxdepth 1 -type d -empty -delete
if compgen -G 'build/Release/*.node' >/dev/null; then
  mkdir -p "$OUT/build/Release"
  cp build/Release/*.node "$OUT/build/Release/"
fi
if [ -d config ]; then
  cp -R config "$OUT/"
fi
echo "runtime tree in $OUT"
