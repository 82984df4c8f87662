#!/usr/bin/env bash
# SPIN beside broadcheck on the benchmark's reference workload (eager RB, N=3, p0 and p1
# broadcast once, bag network, no crashes). Both must report the same number of states.
#
#   benches/spin/run.sh            (needs spin and a C compiler: apt-get install spin gcc)
#
# Exit status: 0 same state count, 1 different counts, 2 spin or cc missing.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
for tool in spin "${CC:-cc}"; do
  command -v "$tool" >/dev/null || { echo "$tool is not installed (Debian: apt-get install spin gcc)" >&2; exit 2; }
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$here/eager_rb.pml" "$work/"
echo "== SPIN $(spin -V | head -1 | cut -d' ' -f3): spin -a; cc -O2 -DSAFETY; ./pan -E"
(cd "$work" && spin -a eager_rb.pml >/dev/null && "${CC:-cc}" -O2 -DSAFETY -o pan pan.c && ./pan -E) > "$work/spin.out"
grep -E "states, stored|elapsed time|rate" "$work/spin.out"
spin_states=$(awk '/states, stored/ {print $1}' "$work/spin.out")

echo "== broadcheck: check eager-rb --n 3 -p senders=0,1 --strategy dfs --threads $(nproc)"
(cd "$root" && cargo build --release -q)
"$root/target/release/broadcheck" check eager-rb --n 3 -p senders=0,1 --strategy dfs \
  --threads "$(nproc)" | tee "$work/bc.out" | grep -E "^search"
bc_states=$(sed -n 's/.*; \([0-9]*\) unique states.*/\1/p' "$work/bc.out")

if [ "$spin_states" = "$bc_states" ]; then
  echo "same state count: $bc_states"
else
  echo "DIFFERENT state counts: spin $spin_states, broadcheck $bc_states" >&2
  exit 1
fi
