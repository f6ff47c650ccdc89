#!/usr/bin/env bash
# Install the Debian/Ubuntu packages sohoa needs (runtime, and with --test what its tests use).
# Installs only what is missing, so a second run costs a second.
set -euo pipefail

# tesserocr is built against the system's libtesseract (the `tesseract` command's own library): its headers,
# Leptonica's, pkg-config and a C++ compiler (docs/ocr.md, "Fifth round").
runtime=(python3 python3-venv python3-pip python3-dev tesseract-ocr tesseract-ocr-vie tesseract-ocr-osd
         libtesseract-dev libleptonica-dev pkg-config g++
         fonts-liberation2 fonts-dejavu-core qpdf poppler-utils libgl1 libglib2.0-0)
testing=(softhsm2 redis-server postgresql rabbitmq-server unpaper ghostscript wrk chromium)

want=("${runtime[@]}")
[[ "${1:-}" == "--test" ]] && want+=("${testing[@]}")

missing=()
for pkg in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
# A server already on the PATH (installed another way) is good enough for the tests.
if command -v redis-server >/dev/null; then missing=("${missing[@]/redis-server}"); fi
if ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then missing=("${missing[@]/postgresql}"); fi
if command -v rabbitmq-server >/dev/null; then missing=("${missing[@]/rabbitmq-server}"); fi
read -r -a missing <<< "${missing[*]}"
[[ ${#missing[@]} -eq 0 ]] && exit 0

SUDO=""
[[ $(id -u) -ne 0 ]] && SUDO="sudo"
echo "installing system packages: ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
