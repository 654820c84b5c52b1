#!/usr/bin/env bash
# The classifier benchmark on a CUDA machine: the same images, the same service process and the same report as on the
# CPU, with ONNX Runtime's GPU build (-p:OnnxRuntimeFlavor=Gpu swaps Microsoft.ML.OnnxRuntime for
# Microsoft.ML.OnnxRuntime.Gpu in the classifier and everything that references it).
#
# Needs: an NVIDIA driver recent enough for CUDA 13; the CUDA 13 and cuDNN 9 runtime libraries that ONNX Runtime 1.31's
# GPU package is built against (libcudart.so.13, libcublas.so.13, libcublasLt.so.13, libcurand.so.10, libcudnn*.so.9),
# findable by the dynamic loader (LD_LIBRARY_PATH or ldconfig; TensorRT 10 libraries too for --provider TensorRt) — the
# same story as deploy/docker/classifier-gpu.Dockerfile; and a NuGet feed that serves Microsoft.ML.OnnxRuntime.Gpu
# 1.31.0 (the development machines' registry does). The report compares the GPU's scores with the CPU build's.
#
#   bench/gpu.sh                              CUDA, batches of 64, nsfwjs skipped (it runs on the CPU either way)
#   bench/gpu.sh --provider TensorRt --batch 128 --with-nsfwjs
#
# If the GPU provider cannot start, the service logs it and falls back to the CPU, and the report says "(Cpu)":
# read the provider in the report's raw ONNX Runtime line before trusting the numbers.
set -euo pipefail
cd "$(dirname "$0")/.."

provider=Cuda batch=64 nsfwjs=--skip-nsfwjs args=()
while [ $# -gt 0 ]; do
  case $1 in
    --provider) provider=$2; shift 2 ;;
    --batch) batch=$2; shift 2 ;;
    --with-nsfwjs) nsfwjs=""; shift ;;
    *) args+=("$1"); shift ;;
  esac
done

if command -v nvidia-smi >/dev/null; then
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
else
  echo "warning: nvidia-smi not found; the benchmark will most likely fall back to the CPU" >&2
fi

source scripts/lib/deps.sh
deps_install
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

dotnet build bench/Moderation.Bench -c Release -p:OnnxRuntimeFlavor=Gpu -nologo -v q -clp:ErrorsOnly
# shellcheck disable=SC2086
dotnet bench/Moderation.Bench/bin/Release/net10.0/Moderation.Bench.dll classifier \
  --provider "$provider" --batch "$batch" --concurrent-batches 3 $nsfwjs "${args[@]}"

echo "Note: the Release build now holds the GPU flavour; 'dotnet build -c Release' brings back the CPU one." >&2
