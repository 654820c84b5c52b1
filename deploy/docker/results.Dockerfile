# syntax=docker/dockerfile:1
# Results service and reviewer dashboard; `migrate` as the command applies the database migrations and exits.
#   docker build -f deploy/docker/results.Dockerfile -t moderation-results .
ARG DOTNET_VERSION=10.0

FROM mcr.microsoft.com/dotnet/sdk:${DOTNET_VERSION} AS build
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props ./
COPY shared/ shared/
COPY services/results/Moderation.Results.csproj services/results/
RUN --mount=type=cache,id=nuget,target=/root/.nuget/packages \
    dotnet restore services/results/Moderation.Results.csproj
COPY services/results/ services/results/
RUN --mount=type=cache,id=nuget,target=/root/.nuget/packages \
    dotnet publish services/results/Moderation.Results.csproj -c Release --no-restore -o /app -p:UseAppHost=false

FROM mcr.microsoft.com/dotnet/aspnet:${DOTNET_VERSION}
# curl only serves the container health check; the .NET images ship none.
RUN apt-get update \
 && apt-get install -y --no-install-recommends curl \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app ./
ENV ASPNETCORE_HTTP_PORTS=8080 \
    DOTNET_gcServer=1
EXPOSE 8080
USER $APP_UID
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
  CMD curl -fsS http://127.0.0.1:8080/health/live || exit 1
ENTRYPOINT ["dotnet", "Moderation.Results.dll"]
