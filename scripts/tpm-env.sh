#!/usr/bin/env bash
# Starts a software TPM 2.0 (swtpm, loopback only) and a resource manager
# (tpm2-abrmd on a private D-Bus session bus), for the TPM test suite.
# Needs: swtpm swtpm-tools tpm2-tools tpm2-abrmd libtss2-tcti-tabrmd0 dbus.
# TPM2OPENSSL_TCTI is what the tpm2-openssl provider reads; TSS2_TCTI the
# TSS libraries; TPM2TOOLS_TCTI tpm2-tools.
#   scripts/tpm-env.sh start DIR   -> prints `export ...` lines (eval them)
#   scripts/tpm-env.sh stop DIR
set -euo pipefail
cmd=${1:?start|stop}; dir=${2:?state directory}
case "$cmd" in
start)
  mkdir -p "$dir/state"
  port=$(( 20000 + RANDOM % 20000 ))
  swtpm socket --tpm2 --tpmstate dir="$dir/state" \
    --server type=tcp,port=$port,bindaddr=127.0.0.1 --ctrl type=tcp,port=$((port+1)),bindaddr=127.0.0.1 \
    --flags not-need-init,startup-clear --daemon --pid file="$dir/swtpm.pid" --log file="$dir/swtpm.log"
  for _ in $(seq 50); do [[ -s "$dir/swtpm.pid" ]] && break; sleep 0.1; done
  dbus-daemon --session --fork --print-address=1 --print-pid=1 --nosyslog > "$dir/dbus.out"
  bus=$(sed -n 1p "$dir/dbus.out"); echo "$(sed -n 2p "$dir/dbus.out")" > "$dir/dbus.pid"
  DBUS_SESSION_BUS_ADDRESS="$bus" tpm2-abrmd --session --allow-root --tcti="swtpm:host=127.0.0.1,port=$port" \
    > "$dir/abrmd.log" 2>&1 &
  echo $! > "$dir/abrmd.pid"
  export DBUS_SESSION_BUS_ADDRESS="$bus" TPM2TOOLS_TCTI="tabrmd:bus_type=session" TSS2_TCTI="tabrmd:bus_type=session" TPM2OPENSSL_TCTI="tabrmd:bus_type=session"
  for _ in $(seq 100); do tpm2_getcap properties-fixed >/dev/null 2>&1 && break; sleep 0.1; done
  tpm2_getcap properties-fixed > /dev/null
  echo "export DBUS_SESSION_BUS_ADDRESS='$bus' TPM2TOOLS_TCTI='tabrmd:bus_type=session' TSS2_TCTI='tabrmd:bus_type=session' TPM2OPENSSL_TCTI='tabrmd:bus_type=session'"
  ;;
stop)
  for f in abrmd swtpm dbus; do [[ -f "$dir/$f.pid" ]] && kill "$(cat "$dir/$f.pid")" 2>/dev/null || true; done
  ;;
esac
