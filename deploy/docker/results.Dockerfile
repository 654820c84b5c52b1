# syntax=docker/dockerfile:1
# Results service and reviewer dashboard; `migrate` as the command applies the database migrations and exits. The image
# also carries tools/head-training, the feedback head's training job, under /app/head-training with its own entry point
# (the CronJob runs `dotnet /app/head-training/Moderation.HeadTraining.dll`): it reads results' database and settings.
#   docker build -f deploy/docker/results.Dockerfile -t moderation-results .
ARG DOTNET_VERSION=10.0
# Ubuntu chiseled: the .NET runtime and what it needs, no shell, no package manager, non-root (1654) by default.
# Pin a digest for reproducible builds: --build-arg RUNTIME_IMAGE=mcr.microsoft.com/dotnet/aspnet:10.0-noble-chiseled@sha256:…
ARG RUNTIME_IMAGE=mcr.microsoft.com/dotnet/aspnet:${DOTNET_VERSION}-noble-chiseled

FROM mcr.microsoft.com/dotnet/sdk:${DOTNET_VERSION} AS build
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props ./
COPY shared/ shared/
COPY services/results/Moderation.Results.csproj services/results/
COPY tools/head-training/Moderation.HeadTraining.csproj tools/head-training/
RUN --mount=type=cache,id=nuget,target=/root/.nuget/packages \
    dotnet restore tools/head-training/Moderation.HeadTraining.csproj
COPY services/results/ services/results/
COPY tools/head-training/ tools/head-training/
RUN --mount=type=cache,id=nuget,target=/root/.nuget/packages \
    dotnet publish services/results/Moderation.Results.csproj -c Release --no-restore -o /app -p:UseAppHost=false \
 && dotnet publish tools/head-training/Moderation.HeadTraining.csproj -c Release --no-restore -o /app/head-training -p:UseAppHost=false

FROM ${RUNTIME_IMAGE}
WORKDIR /app
COPY --from=build /app ./
ENV ASPNETCORE_HTTP_PORTS=8080 \
    DOTNET_gcServer=1
EXPOSE 8080
USER $APP_UID
# The service probes its own /health/live (the image has no shell or HTTP client): HealthProbe in shared/Moderation.ServiceDefaults.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["dotnet", "Moderation.Results.dll", "--health-probe"]
ENTRYPOINT ["dotnet", "Moderation.Results.dll"]
