#!/usr/bin/env bash
# [bandmate.frag~] playing 4 looping slots (two at half/quarter time) against what a Pd user
# would patch instead: 4 x [phasor~] -> [tabread4~] stereo loopers. Pd runs each patch in batch
# mode (no audio device: DSP runs as fast as the CPU allows) for SECONDS of audio at 48 kHz; the
# wall time per second of audio is the cost. Usage: pd-external/bench/perform.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/../.."
secs=${1:-600}
cargo build -q --release -p bandmate-pd
dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT
cp target/release/libbandmate_pd.so "$dir/bandmate.frag~.pd_linux"
python3 - "$dir" <<'PY'
import math, struct, sys, wave
d = sys.argv[1]
n = 48000 * 2  # 2 s stereo loop
with wave.open(d + "/loop.wav", "wb") as w:
    w.setnchannels(2); w.setsampwidth(2); w.setframerate(48000)
    w.writeframes(b"".join(struct.pack("<hh", int(8000*math.sin(i*0.05)), int(8000*math.sin(i*0.03))) for i in range(n)))
PY
ms=$((secs * 1000))
cat > "$dir/frag.pd" <<PD
#N canvas 0 0 400 300 12;
#X obj 10 10 loadbang;
#X msg 10 40 read loop.wav \, read loop.wav \, read loop.wav \, read loop.wav \, rate 3 0.5 \, rate 4 0.25 \, loop 1 \, loop 2 \, loop 3 \, loop 4;
#X obj 10 80 bandmate.frag~;
#X obj 10 120 dac~;
#X msg 200 40 \; pd dsp 1;
#X obj 200 80 delay $ms;
#X msg 200 120 \; pd quit;
#X connect 0 0 1 0;
#X connect 1 0 2 0;
#X connect 2 0 3 0;
#X connect 2 1 3 1;
#X connect 0 0 4 0;
#X connect 0 0 5 0;
#X connect 5 0 6 0;
PD
{
  echo "#N canvas 0 0 400 300 12;"
  echo "#X obj 10 10 loadbang;"
  echo "#X msg 10 40 read -resize loop.wav l r \, read -resize loop.wav l2 r2 \, read -resize loop.wav l3 r3 \, read -resize loop.wav l4 r4;"
  echo "#X obj 10 80 soundfiler;"
  echo "#X obj 10 120 dac~;"
  echo "#X msg 200 40 \; pd dsp 1;"
  echo "#X obj 200 80 delay $ms;"
  echo "#X msg 200 120 \; pd quit;"
  i=7
  conn=""
  for k in "" 2 3 4; do
    case "$k" in 3) f=0.25 ;; 4) f=0.125 ;; *) f=0.5 ;; esac
    echo "#X obj 10 200 array define l$k;"; echo "#X obj 10 230 array define r$k;"
    echo "#X obj 10 260 phasor~ $f;"; echo "#X obj 10 290 *~ 96000;"
    echo "#X obj 10 320 tabread4~ l$k;"; echo "#X obj 100 320 tabread4~ r$k;"
    p=$((i+2)); m=$((i+3)); a=$((i+4)); b=$((i+5))
    conn="$conn#X connect $p 0 $m 0;\n#X connect $m 0 $a 0;\n#X connect $m 0 $b 0;\n#X connect $a 0 3 0;\n#X connect $b 0 3 1;\n"
    i=$((i+6))
  done
  echo "#X connect 0 0 1 0;"; echo "#X connect 1 0 2 0;"; echo "#X connect 0 0 4 0;"
  echo "#X connect 0 0 5 0;"; echo "#X connect 5 0 6 0;"
  printf "$conn"
} > "$dir/native.pd"
run() {
  local t0 t1
  t0=$(date +%s.%N)
  out=$(cd "$dir" && taskset -c 0 pd -nogui -nosound -nomidi -noprefs -nrt -stderr -batch -r 48000 -path "$dir" -open "$1" 2>&1)
  t1=$(date +%s.%N)
  if echo "$out" | grep -q -E "couldn't create|error"; then echo "$out" >&2; exit 1; fi
  python3 -c "import sys; t=$t1-$t0; print(f'{sys.argv[1]:<38} {t:6.2f} s for $secs s of audio: {t/$secs*1e6:7.1f} us per s = {t/$secs*100:.3f} % of one core')" "$2"
}
run frag.pd "[bandmate.frag~] 4 slots"
run native.pd "4 x [phasor~]->[tabread4~] stereo"
cat > "$dir/empty.pd" <<PD
#N canvas 0 0 400 300 12;
#X obj 10 10 loadbang;
#X obj 10 120 dac~;
#X msg 200 40 \; pd dsp 1;
#X obj 200 80 delay $ms;
#X msg 200 120 \; pd quit;
#X connect 0 0 2 0;
#X connect 0 0 3 0;
#X connect 3 0 4 0;
PD
run empty.pd "Pd alone (DSP on, [dac~] only)"
