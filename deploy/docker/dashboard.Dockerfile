# syntax=docker/dockerfile:1
# Reviewer dashboard: Razor Pages over the results API, frames from the shared blob store.
#   docker build -f deploy/docker/dashboard.Dockerfile -t moderation-dashboard .
ARG DOTNET_VERSION=10.0
# Ubuntu chiseled: the .NET runtime and what it needs, no shell, no package manager, non-root (1654) by default.
# Pin a digest for reproducible builds: --build-arg RUNTIME_IMAGE=mcr.microsoft.com/dotnet/aspnet:10.0-noble-chiseled@sha256:…
ARG RUNTIME_IMAGE=mcr.microsoft.com/dotnet/aspnet:${DOTNET_VERSION}-noble-chiseled

FROM mcr.microsoft.com/dotnet/sdk:${DOTNET_VERSION} AS build
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props ./
COPY shared/ shared/
COPY services/dashboard/Moderation.Dashboard.csproj services/dashboard/
RUN --mount=type=cache,id=nuget,target=/root/.nuget/packages \
    dotnet restore services/dashboard/Moderation.Dashboard.csproj
COPY services/dashboard/ services/dashboard/
RUN --mount=type=cache,id=nuget,target=/root/.nuget/packages \
    dotnet publish services/dashboard/Moderation.Dashboard.csproj -c Release --no-restore -o /app -p:UseAppHost=false \
 && mkdir -p /mounts/data/blobs /mounts/keys

FROM ${RUNTIME_IMAGE}
WORKDIR /app
COPY --from=build /app ./
COPY --from=build --chown=1654:1654 /mounts/data/blobs /data/blobs
COPY --from=build --chown=1654:1654 /mounts/keys /keys
ENV ASPNETCORE_HTTP_PORTS=8080
EXPOSE 8080
USER $APP_UID
# The service probes its own /health/live (the image has no shell or HTTP client): HealthProbe in shared/Moderation.ServiceDefaults.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["dotnet", "Moderation.Dashboard.dll", "--health-probe"]
ENTRYPOINT ["dotnet", "Moderation.Dashboard.dll"]
