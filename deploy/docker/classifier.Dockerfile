# syntax=docker/dockerfile:1
# Classifier, CPU build (ONNX Runtime's CPU package). The GPU image is classifier-gpu.Dockerfile.
#   docker build -f deploy/docker/classifier.Dockerfile -t moderation-classifier .
ARG DOTNET_VERSION=10.0

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

FROM mcr.microsoft.com/dotnet/aspnet:${DOTNET_VERSION}
RUN apt-get update \
 && apt-get install -y --no-install-recommends curl \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app ./
ENV ASPNETCORE_HTTP_PORTS=8080 \
    Classifier__ExecutionProvider=Cpu
EXPOSE 8080
USER $APP_UID
HEALTHCHECK --interval=15s --timeout=3s --start-period=60s --retries=3 \
  CMD curl -fsS http://127.0.0.1:8080/health/live || exit 1
ENTRYPOINT ["dotnet", "Moderation.Classifier.dll"]
