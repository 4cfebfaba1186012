#!/usr/bin/env bash
# Install everything simtiny needs on a Debian machine: the Arm GNU toolchain, picolibc, a host
# C compiler, CMake and QEMU (apt), simtiny with its Python dependencies (pip, editable), and simtiny's
# patched Unicorn (built from Unicorn's sources on PyPI, about 30 s). Safe to re-run.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v arm-none-eabi-gcc >/dev/null 2>&1 || need_apt+=(gcc-arm-none-eabi libnewlib-arm-none-eabi binutils-arm-none-eabi)
command -v cc >/dev/null 2>&1 || need_apt+=(gcc)
command -v llvm-mca >/dev/null 2>&1 || need_apt+=(llvm)  # llvm-mca: independent check of the cycle model
# cmake and ninja build simtiny's patched Unicorn (simtiny/sim/unicorn/patched.py)
command -v cmake >/dev/null 2>&1 || need_apt+=(cmake)
command -v ninja >/dev/null 2>&1 || need_apt+=(ninja-build)
command -v qemu-system-arm >/dev/null 2>&1 || need_apt+=(qemu-system-arm)  # the second engine (--engine qemu)
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)  # the HTML report's test renders it in a headless browser
# the C libraries with their semihosting (newlib's rdimon, picolibc's semihost library): the tests
# run firmware built with each
installed() { [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]; }
for pkg in libnewlib-arm-none-eabi picolibc-arm-none-eabi; do
  installed "$pkg" || [[ " ${need_apt[*]} " == *" $pkg "* ]] || need_apt+=("$pkg")
done
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
  echo "setup: installing ${need_apt[*]} (apt)"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

PYTHON="${PYTHON:-python3}"
echo "setup: installing simtiny and its Python dependencies (pip)"
"$PYTHON" -m pip install -q --disable-pip-version-check -e ".[test]"
# the memory model's hooks run 2-7x faster on Unicorn with simtiny's patch; without it, stock
# Unicorn runs the same firmware to the same results, slower
"$PYTHON" -m simtiny.sim.unicorn.build_patched \
  || echo "setup: the patched Unicorn was not built; simtiny runs on stock Unicorn (slower memory model)"
# pyenv reaches console scripts through shims that exist only after a rehash
if command -v pyenv >/dev/null 2>&1; then pyenv rehash || true; fi
command -v simtiny >/dev/null 2>&1 || echo "setup: 'simtiny' is not on PATH; use '$PYTHON -m simtiny.cli' or add pip's script folder to PATH"
echo "setup: done ($("$PYTHON" -m simtiny.cli --version), toolchains: $("$PYTHON" -c 'from simtiny.flow.build import available_toolchains as a; print(", ".join(a()) or "none")'))"
