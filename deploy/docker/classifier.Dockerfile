# syntax=docker/dockerfile:1
# Classifier, CPU build (ONNX Runtime's CPU package). The GPU image is classifier-gpu.Dockerfile.
#   docker build -f deploy/docker/classifier.Dockerfile -t moderation-classifier .
ARG DOTNET_VERSION=10.0
# Ubuntu chiseled: the .NET runtime and what it needs, no shell, no package manager, non-root (1654) by default.
# Pin a digest for reproducible builds: --build-arg RUNTIME_IMAGE=mcr.microsoft.com/dotnet/aspnet:10.0-noble-chiseled@sha256:…
ARG RUNTIME_IMAGE=mcr.microsoft.com/dotnet/aspnet:${DOTNET_VERSION}-noble-chiseled

FROM mcr.microsoft.com/dotnet/sdk:${DOTNET_VERSION} AS build
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props ./
COPY shared/ shared/
COPY services/classifier/Moderation.Classifier.csproj services/classifier/
RUN --mount=type=cache,id=nuget,target=/root/.nuget/packages \
    dotnet restore services/classifier/Moderation.Classifier.csproj -r linux-x64
COPY services/classifier/ services/classifier/
RUN --mount=type=cache,id=nuget,target=/root/.nuget/packages \
    dotnet publish services/classifier/Moderation.Classifier.csproj -c Release --no-restore -r linux-x64 --self-contained false \
      -o /app -p:UseAppHost=false

FROM ${RUNTIME_IMAGE}
WORKDIR /app
COPY --from=build /app ./
ENV ASPNETCORE_HTTP_PORTS=8080 \
    Classifier__ExecutionProvider=Cpu
EXPOSE 8080
USER $APP_UID
# The service probes its own /health/live (the image has no shell or HTTP client): HealthProbe in shared/Moderation.ServiceDefaults.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["dotnet", "Moderation.Classifier.dll", "--health-probe"]
ENTRYPOINT ["dotnet", "Moderation.Classifier.dll"]
