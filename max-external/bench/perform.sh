#!/usr/bin/env bash
# [bandmate.frag~ 4] playing 4 looping slots (two at half/quarter time) in the mock Max host
# (max-external/tests/mockmax), the Max counterpart of pd-external/bench/perform.sh. The host runs
# the script in logical time as fast as the CPU allows: SECONDS of audio at 48 kHz in 64-sample
# vectors, one core pinned; the wall time per second of audio is the cost. A baseline runs the
# same script without the object: the host's own cost of running vectors and clocks. The mock
# runs nothing but its objects' perform routines (no scheduler thread, no audio device, no patcher
# to draw), so the baseline is close to zero and the difference is the object: perform64, the
# engine plus the f32 -> f64 copy into MSP's vectors (and the 20 ms clock that reads slot
# events). Peak RSS of both runs from /usr/bin/time -v (else from wait4, see below).
# Usage: max-external/bench/perform.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/../.."
secs=${1:-600}
cargo build -q --release -p bandmate-max
dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT
${CC:-cc} -std=c11 -O2 -g -Wall -Wextra -Werror -rdynamic max-external/tests/mockmax/mockmax.c \
  -o "$dir/mockmax" -ldl -lm
cp target/release/libbandmate_max.so "$dir/bandmate.frag~.so"
python3 - "$dir" <<'PY'
import array, math, sys
d = sys.argv[1]
n = 48000 * 2  # 2 s stereo loop, the signal of the Pd benchmark, as raw LE float32 interleaved
a = array.array("f")
for i in range(n):
    a.append(int(8000 * math.sin(i * 0.05)) / 32768); a.append(int(8000 * math.sin(i * 0.03)) / 32768)
if sys.byteorder != "little":
    a.byteswap()
with open(d + "/loop.raw", "wb") as f:
    a.tofile(f)
PY
ms=$((secs * 1000))
cat > "$dir/frag.maxscript" <<EOF
buffer loop 2 96000
buffer_read loop loop.raw
dsp on 48000 64
new f bandmate.frag~ 4
send f array loop 1
send f array loop 2
send f array loop 3
send f array loop 4
send f rate 3 0.5
send f rate 4 0.25
send f loop 1
send f loop 2
send f loop 3
send f loop 4
advance $ms
EOF
grep -v ' f ' "$dir/frag.maxscript" > "$dir/empty.maxscript"
# Peak RSS: GNU time if present, else the same reading (wait4's ru_maxrss) from a tiny C parent.
# Not Python's resource module: a child forked from Python keeps Python's ~14 MiB high-water mark
# through exec, which would hide the mock host's own ~3 MiB.
if [ -x /usr/bin/time ]; then
  timer=(/usr/bin/time -v -o "$dir/time.txt")
else
  cat > "$dir/maxrss.c" <<'C'
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
int main(int argc, char **argv) {
    if (argc < 3) return 2;
    pid_t p = fork();
    if (p == 0) { execvp(argv[2], argv + 2); _exit(127); }
    int st; struct rusage ru;
    if (p < 0 || wait4(p, &st, 0, &ru) < 0) return 126;
    FILE *f = fopen(argv[1], "w");
    if (!f) return 126;
    fprintf(f, "\tMaximum resident set size (kbytes): %ld\n", ru.ru_maxrss);
    fclose(f);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}
C
  ${CC:-cc} -std=c11 -O2 -Wall -Wextra -Werror "$dir/maxrss.c" -o "$dir/maxrss"
  timer=("$dir/maxrss" "$dir/time.txt")
fi
declare -A wall rss
run() {
  local t0 t1 rc=0
  t0=$(date +%s.%N)
  (cd "$dir" && "${timer[@]}" taskset -c 0 ./mockmax -path . -patcher . "$1" >"$dir/out.txt" 2>"$dir/err.txt") \
    || rc=$?
  t1=$(date +%s.%N)
  rss[$1]=$(awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print $2}' "$dir/time.txt")
  if [ "$rc" != 0 ] || grep -q -E '^FATAL|^@[0-9.]+ (error|console|refused) | out f 2 error ' "$dir/out.txt" || ! grep -q " end$" "$dir/out.txt"; then
    echo "mockmax $1 failed (exit $rc):" >&2; tail -n 20 "$dir/out.txt" "$dir/err.txt" >&2; exit 1
  fi
  if [ "$1" = frag.maxscript ] && [ "$(grep -c -E ' out f 2 started [1-4]$' "$dir/out.txt")" != 4 ]; then
    echo "[bandmate.frag~] did not start its 4 slots:" >&2; cat "$dir/out.txt" >&2; exit 1
  fi
  wall[$1]=$(python3 -c "print($t1 - $t0)")
}
run frag.maxscript
run empty.maxscript
python3 - "$secs" "${wall[frag.maxscript]}" "${wall[empty.maxscript]}" \
  "${rss[frag.maxscript]}" "${rss[empty.maxscript]}" <<'PY'
import sys
secs, tf, te = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
rf, re_ = int(sys.argv[4]), int(sys.argv[5])
def row(label, t, rss=None):
    us = t / secs * 1e6
    x = f"{secs / t:,.0f}x real time" if t > 0 else "-"
    mem = f", peak RSS {rss / 1024:.1f} MiB" if rss is not None else ""
    print(f"{label:<44} {t:6.3f} s for {secs} s of audio: {us:8.1f} us per s = {us / 1e4:.3f} % of one core, {x}{mem}")
row("mock host + [bandmate.frag~ 4], 4 slots", tf, rf)
row("mock host alone (DSP on, same script)", te, re_)
row("difference: [bandmate.frag~] (perform64)", tf - te)
d = (tf - te) / secs * 1e6
print(f"{'':<44} {d / 750:.3f} us per 64-sample vector (750 per s), "
      f"{d / 750 / (64 / 48000 * 1e6) * 100:.3f} % of the vector's 1,333 us; "
      f"peak RSS +{(rf - re_) / 1024:.1f} MiB")
PY
