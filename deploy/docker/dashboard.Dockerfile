# syntax=docker/dockerfile:1
# Reviewer dashboard: Razor Pages over the results API, frames from the shared blob store.
#   docker build -f deploy/docker/dashboard.Dockerfile -t moderation-dashboard .
ARG DOTNET_VERSION=10.0

FROM mcr.microsoft.com/dotnet/sdk:${DOTNET_VERSION} AS build
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props ./
COPY shared/ shared/
COPY services/dashboard/Moderation.Dashboard.csproj services/dashboard/
RUN --mount=type=cache,id=nuget,target=/root/.nuget/packages \
    dotnet restore services/dashboard/Moderation.Dashboard.csproj
COPY services/dashboard/ services/dashboard/
RUN --mount=type=cache,id=nuget,target=/root/.nuget/packages \
    dotnet publish services/dashboard/Moderation.Dashboard.csproj -c Release --no-restore -o /app -p:UseAppHost=false

FROM mcr.microsoft.com/dotnet/aspnet:${DOTNET_VERSION}
# curl only serves the container health check; the .NET images ship none.
RUN apt-get update \
 && apt-get install -y --no-install-recommends curl \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /data/blobs /keys && chown "$APP_UID:$APP_UID" /data/blobs /keys
WORKDIR /app
COPY --from=build /app ./
ENV ASPNETCORE_HTTP_PORTS=8080
EXPOSE 8080
USER $APP_UID
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
  CMD curl -fsS http://127.0.0.1:8080/health/live || exit 1
ENTRYPOINT ["dotnet", "Moderation.Dashboard.dll"]
