#!/usr/bin/env bash
# Deploy sarwatch to a Kria KV260 over ssh and check it end to end.
#
#   harness/kria/deploy.sh user@kv260 [--app build/hls/app/sarwatch] [--dir ~/sarwatch] [--dry-run]
#
# What it does, in order (each step prints the command it runs):
#   1. copies the working tree (tracked files, no node_modules/build) to the board;
#   2. runs `npm install` there: the addon builds natively on the A53s and links
#      the board image's XRT (`apt install xrt` on Kria Ubuntu if it is missing);
#   3. if an app folder from `make -C hls app` is given, installs it under
#      /lib/firmware/xilinx/ and loads it with xmutil (needs sudo);
#   4. runs `sarwatch bench accel` and a detection on a small synthetic scene
#      with --backend fpga, so the summary shows whether the fpga backend ran
#      or fell back to cpu (and why).
# --dry-run prints the commands without connecting. No board was available
# where this script was written: it has been checked with --dry-run only.
set -euo pipefail
host=${1:-}
[ -n "$host" ] && [ "${host#-}" = "$host" ] || { echo "usage: $0 user@host [--app DIR] [--dir DIR] [--dry-run]" >&2; exit 2; }
shift
app=""
dir="sarwatch"
dry=0
while [ $# -gt 0 ]; do
  case "$1" in
    --app) app=$2; shift 2 ;;
    --dir) dir=$2; shift 2 ;;
    --dry-run) dry=1; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
cd "$(dirname "$0")/../.."
run() {
  echo "+ $*"
  [ "$dry" = 1 ] || "$@"
}
remote() { run ssh "$host" "$@"; }

echo "== 1. copy the working tree to $host:$dir"
remote mkdir -p "$dir"
run sh -c "git ls-files -z | tar --null -T - -cf - | ssh $host 'tar -xf - -C $dir'"
echo "== 2. build on the board"
remote "cd $dir && npm install"
if [ -n "$app" ]; then
  [ "$dry" = 1 ] || [ -f "$app/shell.json" ] || { echo "$app has no shell.json: build it with make -C hls app" >&2; exit 2; }
  name=$(basename "$app")
  echo "== 3. install and load the accelerator ($name)"
  run sh -c "tar -C $(dirname "$app") -cf - $name | ssh $host 'tar -xf - -C /tmp'"
  remote "sudo rm -rf /lib/firmware/xilinx/$name && sudo cp -r /tmp/$name /lib/firmware/xilinx/ && sudo xmutil unloadapp; sudo xmutil loadapp $name"
else
  echo "== 3. no --app given: keeping the accelerator already loaded (if any)"
fi
echo "== 4. check"
remote "cd $dir && npx sarwatch bench accel"
remote "cd $dir && npx sarwatch synth --out /tmp/sarwatch-check --size 2400x2400 --seed 3 && npx sarwatch detect /tmp/sarwatch-check --out /tmp/sarwatch-check-out --backend fpga --power-source auto"
