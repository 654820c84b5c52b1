# syntax=docker/dockerfile:1
# Classifier, GPU build: ONNX Runtime's CUDA/TensorRT package (-p:OnnxRuntimeFlavor=Gpu) on NVIDIA's CUDA runtime
# image with cuDNN. Microsoft.ML.OnnxRuntime.Gpu for Linux is built against CUDA 12.x and cuDNN 9.x; any CUDA 12 minor
# runtime works (minor-version compatibility), so bump CUDA_IMAGE within 12.x freely. The node needs an NVIDIA driver
# new enough for that CUDA version and the NVIDIA container toolkit / device plugin.
#   docker build -f deploy/docker/classifier-gpu.Dockerfile -t moderation-classifier-gpu .
ARG DOTNET_VERSION=10.0
ARG CUDA_IMAGE=nvidia/cuda:12.9.1-cudnn-runtime-ubuntu24.04

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
 && apt-get install -y --no-install-recommends ca-certificates curl libssl3t64 zlib1g libstdc++6 libgcc-s1 \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --gid 1654 app && useradd --uid 1654 --gid 1654 --no-create-home --shell /usr/sbin/nologin app
COPY --from=dotnet /usr/share/dotnet /usr/share/dotnet
RUN ln -s /usr/share/dotnet/dotnet /usr/bin/dotnet && dotnet --list-runtimes
WORKDIR /app
COPY --from=build /app ./
ENV APP_UID=1654 \
    ASPNETCORE_HTTP_PORTS=8080 \
    DOTNET_RUNNING_IN_CONTAINER=true \
    NVIDIA_VISIBLE_DEVICES=all \
    NVIDIA_DRIVER_CAPABILITIES=compute,utility \
    Classifier__ExecutionProvider=Cuda \
    Classifier__AllowCpuFallback=false
EXPOSE 8080
USER 1654
HEALTHCHECK --interval=15s --timeout=3s --start-period=120s --retries=3 \
  CMD curl -fsS http://127.0.0.1:8080/health/live || exit 1
ENTRYPOINT ["dotnet", "Moderation.Classifier.dll"]
