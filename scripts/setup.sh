#!/usr/bin/env bash
# Set up voicecoach in ./.venv: system packages (espeak-ng, ffmpeg, ALSA headers, PortAudio) when missing,
# a virtual environment, and the package. Idempotent: a second run only checks.
#   scripts/setup.sh          the program
#   scripts/setup.sh --dev    the program and what the tests need (also Chromium and its driver,
#                             for the browser test of `voicecoach serve`'s page, and PulseAudio,
#                             for the live sound tests)
set -euo pipefail
cd "$(dirname "$0")/.."
extras="live"
dev=0
[ "${1:-}" = "--dev" ] && extras="live,dev" && dev=1
PYTHON="${PYTHON:-python3}"

say() { printf 'setup: %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo "$@"
  else return 1; fi
}

system_packages() {
  local missing=()
  command -v espeak-ng >/dev/null 2>&1 || missing+=(espeak-ng)
  command -v ffmpeg >/dev/null 2>&1 || missing+=(ffmpeg)
  if [ "$(uname -s)" = Darwin ]; then
    [ ${#missing[@]} -eq 0 ] && return 0
    if command -v brew >/dev/null 2>&1; then brew install "${missing[@]}"
    else say "please install ${missing[*]}: brew install ${missing[*]} (https://brew.sh)"; fi
    return 0
  fi
  if command -v dpkg >/dev/null 2>&1; then
    dpkg -s libasound2-dev >/dev/null 2>&1 || missing+=(libasound2-dev)
    dpkg -s libportaudio2 >/dev/null 2>&1 || missing+=(libportaudio2)  # sounddevice (the live extra)
    # simpleaudio (the live extra) has no Linux wheel: pip builds it with a C compiler and Python's headers
    command -v gcc >/dev/null 2>&1 || missing+=(gcc)
    if ! "$PYTHON" -c 'import os, sys, sysconfig; sys.exit(not os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h")))' 2>/dev/null \
      && [ "$("$PYTHON" -c 'import sys; print(sys.base_prefix)' 2>/dev/null)" = /usr ]; then
      missing+=(python3-dev)
    fi
    "$PYTHON" -c 'import ensurepip, venv' 2>/dev/null || missing+=(python3-venv)
    if [ "$dev" = 1 ]; then  # the browser test drives Debian's Chromium (nothing downloaded at run time)
      [ -x /usr/bin/chromium ] || missing+=(chromium)
      [ -x /usr/bin/chromedriver ] || missing+=(chromium-driver)
      # live sound tests: a private PulseAudio with a virtual sound card, reached through ALSA
      command -v pulseaudio >/dev/null 2>&1 || missing+=(pulseaudio)
      command -v parecord >/dev/null 2>&1 || missing+=(pulseaudio-utils)
      dpkg -s libasound2-plugins >/dev/null 2>&1 || missing+=(libasound2-plugins)
    fi
  fi
  [ ${#missing[@]} -eq 0 ] && return 0
  if command -v apt-get >/dev/null 2>&1 && as_root true; then
    say "installing ${missing[*]}"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    say "please install: sudo apt-get install ${missing[*]}"
  fi
}

python_env() {
  if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 10))'; then
    say "voicecoach needs Python 3.10 or newer; $("$PYTHON" --version 2>&1) found (set PYTHON=python3.x)"
    exit 1
  fi
  [ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
  local stamp=".venv/.voicecoach-installed-$extras"
  local want
  want="$(cksum < pyproject.toml | cut -d' ' -f1)"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then return 0; fi
  say "installing voicecoach into .venv (extras: $extras)"
  .venv/bin/python -m pip install -q --upgrade pip >/dev/null 2>&1 || true
  if ! .venv/bin/python -m pip install -q -e ".[$extras]"; then
    # simpleaudio (live) is built from source (a C compiler, Python's and ALSA's headers); sounddevice
    # is a wheel: without simpleaudio, live play still has sounddevice.
    say "simpleaudio did not build (it needs gcc, python3-dev and libasound2-dev); installing without it"
    local rest="${extras#live}"; rest="${rest#,}"
    .venv/bin/python -m pip install -q -e ".${rest:+[$rest]}"
    .venv/bin/python -m pip install -q "sounddevice>=0.4.6" \
      || say "sounddevice did not install either: live play needs one of them (voicecoach export works without)"
  fi
  echo "$want" > "$stamp"
}

system_packages
python_env
say "ready: .venv/bin/voicecoach"
