# syntax=docker/dockerfile:1
# Classifier, GPU build: ONNX Runtime's CUDA/TensorRT package (-p:OnnxRuntimeFlavor=Gpu) on NVIDIA's CUDA runtime
# image with cuDNN. Since ONNX Runtime 1.27 the Microsoft.ML.OnnxRuntime.Gpu packages on nuget.org are built against
# CUDA 13.x and cuDNN 9.x (CUDA 12 builds moved to Microsoft's separate onnxruntime-cuda-12 feed); any minor version of
# the same major works, so CUDA_IMAGE may move within 13.x. The build fails below if the provider library does not find
# its CUDA libraries in the chosen image. The node needs an NVIDIA driver new enough for that CUDA major version and the
# NVIDIA container toolkit (Docker) or device plugin (Kubernetes).
#   docker build -f deploy/docker/classifier-gpu.Dockerfile -t moderation-classifier-gpu .
ARG DOTNET_VERSION=10.0
ARG CUDA_IMAGE=nvidia/cuda:13.0.1-cudnn-runtime-ubuntu24.04

FROM mcr.microsoft.com/dotnet/sdk:${DOTNET_VERSION} AS build
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props ./
COPY shared/ shared/
COPY services/classifier/Moderation.Classifier.csproj services/classifier/
RUN --mount=type=cache,id=nuget,target=/root/.nuget/packages \
    dotnet restore services/classifier/Moderation.Classifier.csproj -r linux-x64 -p:OnnxRuntimeFlavor=Gpu
COPY services/classifier/ services/classifier/
RUN --mount=type=cache,id=nuget,target=/root/.nuget/packages \
    dotnet publish services/classifier/Moderation.Classifier.csproj -c Release --no-restore -r linux-x64 --self-contained false \
      -p:OnnxRuntimeFlavor=Gpu -o /app -p:UseAppHost=false

# The ASP.NET Core runtime, taken from Microsoft's image rather than installed from a feed.
FROM mcr.microsoft.com/dotnet/aspnet:${DOTNET_VERSION} AS dotnet

FROM ${CUDA_IMAGE}
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates libssl3t64 zlib1g libstdc++6 libgcc-s1 \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --gid 1654 app && useradd --uid 1654 --gid 1654 --no-create-home --shell /usr/sbin/nologin app
COPY --from=dotnet /usr/share/dotnet /usr/share/dotnet
RUN ln -s /usr/share/dotnet/dotnet /usr/bin/dotnet && dotnet --list-runtimes
WORKDIR /app
COPY --from=build /app ./
# Fail here rather than in the first GPU pod when CUDA_IMAGE is not the CUDA major version ONNX Runtime was built against
# (libcuda.so.1 is the driver, mounted from the host at run time).
RUN missing=$(ldd /app/libonnxruntime_providers_cuda.so | grep 'not found' | grep -v 'libcuda\.so' || true); \
    if [ -n "$missing" ]; then echo "CUDA_IMAGE lacks libraries ONNX Runtime's CUDA provider needs:" >&2; echo "$missing" >&2; exit 1; fi
ENV APP_UID=1654 \
    ASPNETCORE_HTTP_PORTS=8080 \
    DOTNET_RUNNING_IN_CONTAINER=true \
    NVIDIA_VISIBLE_DEVICES=all \
    NVIDIA_DRIVER_CAPABILITIES=compute,utility \
    Classifier__ExecutionProvider=Cuda \
    Classifier__AllowCpuFallback=false
EXPOSE 8080
USER 1654
# The service probes its own /health/live: HealthProbe in shared/Moderation.ServiceDefaults.
HEALTHCHECK --interval=15s --timeout=5s --start-period=120s --retries=3 \
  CMD ["dotnet", "Moderation.Classifier.dll", "--health-probe"]
ENTRYPOINT ["dotnet", "Moderation.Classifier.dll"]
