#!/usr/bin/env bash
# GPU check of pre-labeling: the built CLI (out/main: the pool of inference workers, batches as
# large as the provider wants) on onnxruntime-node's WebGPU execution provider against the same
# machine's CPU (every core), on the lent accelerator machine (NVIDIA, no Node.js, no Vulkan loader,
# no network). It imports VOC photos with their labels, pre-labels them with --ep webgpu, once per
# batch size in GPU_BATCHES (default 32; CSRA_INFERENCE_BATCH), and with --ep cpu (photos/s from
# the CLI's own report), sampling the GPU with `nvidia-smi -l 1` during each run (mean busy %, peak
# memory); evaluates both (mAP must match), runs `predict` on both providers and prints the largest
# |Δ probability| between them.
#
# 1. Prepare the carry here, from the repository root (the app must be built: out/main; the
#    default model pack in resources/models/coco80-centernet). Both folders are ignored by git.
#      bash ../shared/tools/gpu-carry.sh      # .gpu/: Vulkan loader debs, node, enter.sh (~24 MB)
#      bash bench/gpu-check.sh prepare [N]    # .gpucheck/: app.tar.xz + N VOC photos (default 150)
#    .gpucheck/app.tar.xz is a self-contained app folder: package.json, bin/, out/main, the model
#    pack, and node_modules cut to what the CLI imports at run time (onnxruntime-node with only its
#    linux/x64 binaries, sharp + @img linux-x64, better-sqlite3's .node, zod, onnx-proto +
#    protobufjs/minimal). Together with .gpu and the tracked files it stays under the 64 MiB carry.
# 2. Dry run here, without a GPU:
#      GPU_CHECK_LOCAL=1 GPU_EP=cpu OUT=/tmp/gpu-check-out bash bench/gpu-check.sh
# 3. On the device (tool `run`, carry [".gpu", ".gpucheck"], timeout_s ~420):
#      GPU_BATCHES="16 32 64" bash bench/gpu-check.sh
#    Logs and CSVs land in $OUT (gpu-check.log holds everything printed).
set -uo pipefail
root=$(pwd)

if [ "${1:-}" = prepare ]; then
  set -e
  count=${2:-150}
  data=$root/../shared/data/voc07-trainval
  stage=$(mktemp -d)
  app=$stage/app
  nm=$app/node_modules
  mkdir -p "$nm/@img" "$nm/onnxruntime-node/bin/napi-v6/linux" "$nm/better-sqlite3/build/Release" \
    "$app/resources/models" "$app/out"
  cp package.json "$app/"
  cp -r bin "$app/"
  cp -r out/main "$app/out/"
  cp -r resources/models/coco80-centernet "$app/resources/models/"
  cp node_modules/onnxruntime-node/package.json "$nm/onnxruntime-node/"
  cp -r node_modules/onnxruntime-node/dist "$nm/onnxruntime-node/"
  cp -r node_modules/onnxruntime-node/bin/napi-v6/linux/x64 "$nm/onnxruntime-node/bin/napi-v6/linux/"
  cp node_modules/better-sqlite3/package.json "$nm/better-sqlite3/"
  cp -r node_modules/better-sqlite3/lib "$nm/better-sqlite3/"
  cp node_modules/better-sqlite3/build/Release/better_sqlite3.node "$nm/better-sqlite3/build/Release/"
  for p in onnxruntime-common sharp @img/colour @img/sharp-linux-x64 @img/sharp-libvips-linux-x64 \
    detect-libc semver bindings file-uri-to-path zod onnx-proto protobufjs @protobufjs long; do
    cp -r "node_modules/$p" "$nm/$p"
  done
  rm -rf "$nm/protobufjs/cli" "$nm/zod/src"
  find "$nm" \( -name '*.map' -o -name '*.d.ts' -o -name '*.d.cts' -o -name '*.d.mts' \
    -o -name 'README*' -o -name 'CHANGELOG*' \) -delete
  grep -qx '/.gpucheck/' .git/info/exclude 2>/dev/null || echo '/.gpucheck/' >>.git/info/exclude
  rm -rf .gpucheck
  mkdir -p .gpucheck/photos
  head -n $((count + 1)) "$data/labels.csv" >.gpucheck/labels.csv
  tail -n +2 .gpucheck/labels.csv | cut -d, -f1 | while read -r name; do
    cp "$data/images/$name" .gpucheck/photos/
  done
  XZ_OPT='-9 -T0' tar -C "$stage" -cJf .gpucheck/app.tar.xz app
  rm -rf "$stage"
  du -sh .gpucheck .gpu 2>/dev/null || true
  exit 0
fi

OUT=${OUT:-/tmp/gpu-check-out}
GPU_EP=${GPU_EP:-webgpu}
mkdir -p "$OUT"
exec > >(tee -a "$OUT/gpu-check.log") 2>&1

if [ -z "${GPU_CHECK_LOCAL:-}" ]; then
  source .gpu/enter.sh
else
  node --version
fi
echo "== cores: $(nproc)"
nvidia-smi -L || echo 'nvidia-smi: not available'
if command -v vulkaninfo >/dev/null; then
  vulkaninfo --summary >"$OUT/vulkaninfo.txt" 2>&1
  cat "$OUT/vulkaninfo.txt"
else
  echo 'vulkaninfo: not installed'
fi
ldconfig -p | grep -i vulkan || echo 'no libvulkan in ldconfig'
echo "VK_DRIVER_FILES=${VK_DRIVER_FILES:-}"
[ -n "${VK_DRIVER_FILES:-}" ] && { cat "$VK_DRIVER_FILES" || true; }

work=/tmp/gpu-check
rm -rf "$work"
mkdir -p "$work"
tar -C "$work" -xJf .gpucheck/app.tar.xz
photos=$root/.gpucheck/photos
labels=$root/.gpucheck/labels.csv
cd "$work/app"

# gpu_watch NAME / gpu_unwatch NAME: samples the GPU once a second while a step runs, then prints
# the mean busy % and the peak memory used over the samples.
watcher=
gpu_watch() {
  command -v nvidia-smi >/dev/null || return 0
  nvidia-smi --query-gpu=utilization.gpu,memory.used --format=csv,noheader,nounits -l 1 \
    >"$OUT/gpu-util-$1.csv" 2>&1 &
  watcher=$!
}
gpu_unwatch() {
  if [ -z "$watcher" ]; then
    echo "gpu $1: nvidia-smi not available, GPU not sampled"
    return 0
  fi
  kill "$watcher" 2>/dev/null
  wait "$watcher" 2>/dev/null
  watcher=
  awk -F', *' -v name="$1" '
    $1 ~ /^[0-9]+$/ { n++; busy += $1; if ($2 > mem) mem = $2 }
    END {
      if (n) printf "gpu %s: mean busy %.0f%% over %d samples, peak memory %d MiB\n", name, busy / n, n, mem
      else printf "gpu %s: no samples\n", name
    }' "$OUT/gpu-util-$1.csv" | tee -a "$OUT/gpu-busy.txt"
}

# step NAME STDOUT-FILE COMMAND...: runs a command, stdout to the file, timing and exit status logged.
step() {
  local name=$1 out=$2
  shift 2
  echo "== $name: $*"
  local start end rc
  start=$(date +%s.%N)
  timeout 150 "$@" >"$out"
  rc=$?
  end=$(date +%s.%N)
  echo "== $name: exit $rc, $(awk "BEGIN { printf \"%.1f\", $end - $start }") s wall"
  return $rc
}
cli=(node bin/csra-studio.js)
GPU_BATCHES=${GPU_BATCHES:-32}
rm -f "$OUT/gpu-busy.txt"

step import-gpu "$work/import-gpu.txt" "${cli[@]}" import "$work/gpu.sqlite" "$photos" --labels "$labels"
cat "$work/import-gpu.txt"
step import-cpu "$work/import-cpu.txt" "${cli[@]}" import "$work/cpu.sqlite" "$photos" --labels "$labels"
cat "$work/import-cpu.txt"
# One imported project per batch size, so each run predicts every photo.
for b in $GPU_BATCHES; do cp "$work/gpu.sqlite" "$work/gpu-$b.sqlite"; done

if command -v nvidia-smi >/dev/null; then (sleep 4 && nvidia-smi) >"$OUT/nvidia-smi-during-$GPU_EP.txt" 2>&1 & fi
for b in $GPU_BATCHES; do
  gpu_watch "$GPU_EP-batch-$b"
  CSRA_INFERENCE_BATCH=$b step "prelabel-$GPU_EP-batch-$b" "$work/prelabel-gpu-$b.json" \
    "${cli[@]}" prelabel "$work/gpu-$b.sqlite" --ep "$GPU_EP" --json
  gpu_unwatch "$GPU_EP-batch-$b"
  cat "$work/prelabel-gpu-$b.json"
done
# The CPU as the app shapes it: one worker, onnxruntime's threads on every core, its batch size.
gpu_watch cpu
step prelabel-cpu "$work/prelabel-cpu.json" "${cli[@]}" prelabel "$work/cpu.sqlite" --ep cpu --json
gpu_unwatch cpu
cat "$work/prelabel-cpu.json"

first=${GPU_BATCHES%% *}
cp "$work/gpu-$first.sqlite" "$work/gpu.sqlite"
step "eval-$GPU_EP" "$work/eval-gpu.txt" "${cli[@]}" eval "$work/gpu.sqlite"
cat "$work/eval-gpu.txt"
step eval-cpu "$work/eval-cpu.txt" "${cli[@]}" eval "$work/cpu.sqlite"
cat "$work/eval-cpu.txt"

step "predict-$GPU_EP" "$OUT/predict-ep-$GPU_EP.csv" "${cli[@]}" predict "$photos" --ep "$GPU_EP" </dev/null 2> >(grep -v '^predicting [0-9]' >&2)
step predict-cpu "$OUT/predict-cpu-ref.csv" "${cli[@]}" predict "$photos" --ep cpu 2> >(grep -v '^predicting [0-9]' >&2)
# `auto` (cuda → webgpu → cpu) on a few photos: which provider it picks here.
mkdir -p "$work/few"
ls "$photos" | head -4 | while read -r name; do cp "$photos/$name" "$work/few/"; done
step predict-auto "$work/predict-auto.csv" "${cli[@]}" predict "$work/few" --ep auto 2> >(grep -v '^predicting [0-9]' >&2)
sleep 0.5

echo '== summary'
rate() { sed -n 's/.*"photosPerSecond": \([0-9.]*\).*/\1/p' "$1"; }
prov() { sed -n 's/.*"provider": "\([^"]*\)".*/\1/p' "$1"; }
for b in $GPU_BATCHES; do
  echo "prelabel --ep $GPU_EP, batches of $b: provider $(prov "$work/prelabel-gpu-$b.json"), $(rate "$work/prelabel-gpu-$b.json") photos/s"
done
echo "prelabel --ep cpu ($(nproc) cores): provider $(prov "$work/prelabel-cpu.json"), $(rate "$work/prelabel-cpu.json") photos/s"
cat "$OUT/gpu-busy.txt" 2>/dev/null || echo 'gpu: not sampled (no nvidia-smi)'
echo "eval --ep $GPU_EP: $(grep -m1 '^mAP' "$work/eval-gpu.txt")"
echo "eval --ep cpu: $(grep -m1 '^mAP' "$work/eval-cpu.txt")"
if cmp -s <(head -1 "$OUT/predict-ep-$GPU_EP.csv") <(head -1 "$OUT/predict-cpu-ref.csv"); then
  echo 'predict: same header'
else
  echo 'predict: headers differ'
fi
awk -F, '
  NR == FNR { if (FNR > 1) { rowsA++; for (i = 2; i <= NF; i++) a[$1 SUBSEP i] = $i }; next }
  FNR == 1 { next }
  {
    rowsB++
    for (i = 2; i <= NF; i++) {
      k = $1 SUBSEP i
      if (!(k in a)) { missing++; continue }
      d = $i - a[k]; if (d < 0) d = -d
      sum += d; n++
      if (d > max) { max = d; at = $1 " column " i }
    }
  }
  END {
    printf "predict %s vs cpu: %d vs %d rows, %d values compared, max |dprob| %.6g (%s), mean %.3g, %d missing\n",
      ep, rowsA, rowsB, n, max, at, (n ? sum / n : 0), missing
  }' ep="$GPU_EP" "$OUT/predict-ep-$GPU_EP.csv" "$OUT/predict-cpu-ref.csv"
