#!/usr/bin/env bash
# Set up a fresh machine for lianfang: a virtualenv in .venv with the package and its test
# extras, plus the system tools some features use (LibreOffice for .doc/.wps, Chromium for the
# browser test of the HTML report). System packages are installed only when missing and only
# when we can (root + apt-get); otherwise the tests that need them skip with a message.
set -euo pipefail
cd "$(dirname "$0")/.."
want="${1:-run}"   # run | test

apt_install() {
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    if [ ! -f /tmp/.lianfang-apt-updated ]; then
      apt-get update -qq && touch /tmp/.lianfang-apt-updated
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
  else
    echo "setup: cannot install $* (not root or no apt-get); features needing them will be skipped" >&2
  fi
}

command -v soffice >/dev/null 2>&1 || apt_install libreoffice-writer-nogui libreoffice-calc-nogui fonts-noto-cjk
if [ "$want" = "test" ]; then
  command -v chromium >/dev/null 2>&1 || apt_install chromium fonts-noto-cjk
fi

PY="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
if [ "$want" = "test" ]; then
  .venv/bin/python -m pip install -q -e ".[dev,distributed,browser]"
else
  .venv/bin/python -m pip install -q .
fi
