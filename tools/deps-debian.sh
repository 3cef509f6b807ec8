#!/bin/sh
# Installs the Debian 12 packages qaio needs to build, test and run its demo, but only
# those that are missing (so it is fast and offline-safe on a prepared machine).
# Usage: tools/deps-debian.sh            (as root, or with sudo available)
set -eu

PACKAGES="cmake ninja-build g++ clang pkg-config make openssl python3
qt6-base-dev qt6-base-dev-tools qmake6 qt6-declarative-dev libssl-dev
libclang-rt-14-dev libgl-dev
qml6-module-qtquick qml6-module-qtquick-controls qml6-module-qtquick-layouts
qml6-module-qtquick-window qml6-module-qtqml-workerscript qml6-module-qtquick-templates
qml6-module-qttest"

missing=""
for p in $PACKAGES; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done

if [ -n "$missing" ]; then
    SUDO=""
    if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
    echo "qaio: installing missing Debian packages:$missing"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing
fi
