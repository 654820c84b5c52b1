# syntax=docker/dockerfile:1
# Ingest API. Build from the repository root:
#   docker build -f deploy/docker/ingest.Dockerfile -t moderation-ingest .
ARG DOTNET_VERSION=10.0

FROM mcr.microsoft.com/dotnet/sdk:${DOTNET_VERSION} AS build
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props ./
COPY shared/ shared/
COPY services/ingest/Moderation.Ingest.csproj services/ingest/
RUN --mount=type=cache,id=nuget,target=/root/.nuget/packages \
    dotnet restore services/ingest/Moderation.Ingest.csproj
COPY services/ingest/ services/ingest/
RUN --mount=type=cache,id=nuget,target=/root/.nuget/packages \
    dotnet publish services/ingest/Moderation.Ingest.csproj -c Release --no-restore -o /app -p:UseAppHost=false

FROM mcr.microsoft.com/dotnet/aspnet:${DOTNET_VERSION}
# curl only serves the container health check; the .NET images ship none.
RUN apt-get update \
 && apt-get install -y --no-install-recommends curl \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /data/blobs && chown "$APP_UID:$APP_UID" /data/blobs
WORKDIR /app
COPY --from=build /app ./
ENV ASPNETCORE_HTTP_PORTS=8080 \
    DOTNET_gcServer=1
EXPOSE 8080
# APP_UID (1654) is the non-root user the .NET images define; the root filesystem can be mounted read-only (/tmp aside).
USER $APP_UID
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
  CMD curl -fsS http://127.0.0.1:8080/health/live || exit 1
ENTRYPOINT ["dotnet", "Moderation.Ingest.dll"]
