#!/usr/bin/env bash
# Installs what this machine lacks for the whole test suite, with Debian's apt-get:
# Java (DynamoDB Local), openssl (the mutual-TLS test makes its certificates), Chromium
# and CJK fonts (the report and ops-page tests open them in headless Chromium), and
# moto_server (the provisioning test's AWS IoT API emulator), cfn-lint (the AWS China test)
# and mosquitto_pub (the device TLS test publishes as the README shows).
# `npm test` and `.ci/run` both run it; it does nothing when all is there.
set -euo pipefail

missing=()
command -v java >/dev/null 2>&1 || missing+=(openjdk-17-jre-headless)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
[ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ] || missing+=(chromium)
# (fc-list read whole: with pipefail, grep -q closing the pipe early would read as "missing")
fonts=$(fc-list 2>/dev/null || true)
grep -qi "Noto Sans CJK" <<<"$fonts" || missing+=(fonts-noto-cjk)
command -v moto_server >/dev/null 2>&1 || missing+=(python3-moto python3-flask python3-flask-cors)  # the AWS IoT API emulator of the provisioning test
command -v cfn-lint >/dev/null 2>&1 || missing+=(cfn-lint)  # the AWS China test lints the cn-north-1 templates
command -v mosquitto_pub >/dev/null 2>&1 || missing+=(mosquitto-clients)  # the device TLS test publishes with mosquitto_pub
[ ${#missing[@]} -eq 0 ] && exit 0

echo "prepare-machine: installing ${missing[*]} with apt-get"
sudo=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    sudo=(sudo)
  else
    echo "prepare-machine: not root and no sudo: install ${missing[*]} as root (apt-get install -y ${missing[*]}), then run npm test again" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
