#!/usr/bin/env bash
# Builds and runs the README example the way users consume qaio, with default settings
# (Qt keywords on): (1) a CMake app using find_package(qaio) from an installed tree,
# (2) a plain qmake app that does include(qaio.pri).
# Usage: tools/check-downstream.sh BUILD_DIR   (BUILD_DIR: a configured and built CMake tree)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:?usage: tools/check-downstream.sh BUILD_DIR}
work=$(mktemp -d "${TMPDIR:-/tmp}/qaio-downstream.XXXXXX")
trap 'rm -rf "$work"' EXIT

sed -n '/<!-- example:begin -->/,/<!-- example:end -->/p' README.md | sed -n '/^```cpp$/,/^```$/p' | sed '1d;$d' \
    > "$work/main.cpp"
test -s "$work/main.cpp" || { echo "README.md has no example block" >&2; exit 1; }

echo "--- downstream CMake app: find_package(qaio) from an installed tree"
cmake --install "$build" --prefix "$work/prefix" > /dev/null
cmake -S tests/downstream/cmake -B "$work/cmake" -G Ninja -DCMAKE_PREFIX_PATH="$work/prefix" \
    -DAPP_SOURCE="$work/main.cpp" > /dev/null
cmake --build "$work/cmake"
LD_LIBRARY_PATH="$work/prefix/lib:$work/prefix/lib/$(gcc -print-multiarch 2>/dev/null || true)" \
    "$work/cmake/readme_example"

echo "--- downstream qmake app: include(qaio.pri)"
mkdir "$work/qmake"
cp "$work/main.cpp" "$work/qmake/main.cpp"
(cd "$work/qmake" && qmake6 "$OLDPWD/tests/downstream/qmake/readme_example.pro" && make -j2 -s)
"$work/qmake/readme_example"
echo "--- downstream apps built and ran"
