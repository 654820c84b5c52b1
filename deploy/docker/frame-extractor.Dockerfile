# syntax=docker/dockerfile:1
# Frame extractor: ffprobe/ffmpeg from the distribution, run under prlimit (util-linux) by the service's sandbox. The one
# service image on the full (Ubuntu) runtime image rather than chiseled: ffmpeg and prlimit come from apt.
# Pin a digest for reproducible builds: --build-arg RUNTIME_IMAGE=mcr.microsoft.com/dotnet/aspnet:10.0@sha256:…
#   docker build -f deploy/docker/frame-extractor.Dockerfile -t moderation-frame-extractor .
ARG DOTNET_VERSION=10.0
ARG RUNTIME_IMAGE=mcr.microsoft.com/dotnet/aspnet:${DOTNET_VERSION}

FROM mcr.microsoft.com/dotnet/sdk:${DOTNET_VERSION} AS build
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props ./
COPY shared/ shared/
COPY services/frame-extractor/Moderation.FrameExtractor.csproj services/frame-extractor/
RUN --mount=type=cache,id=nuget,target=/root/.nuget/packages \
    dotnet restore services/frame-extractor/Moderation.FrameExtractor.csproj
COPY services/frame-extractor/ services/frame-extractor/
RUN --mount=type=cache,id=nuget,target=/root/.nuget/packages \
    dotnet publish services/frame-extractor/Moderation.FrameExtractor.csproj -c Release --no-restore -o /app -p:UseAppHost=false

FROM ${RUNTIME_IMAGE}
RUN apt-get update \
 && apt-get install -y --no-install-recommends ffmpeg util-linux \
 && rm -rf /var/lib/apt/lists/* \
 && ffprobe -version >/dev/null && prlimit --version >/dev/null \
 && mkdir -p /data/blobs && chown "$APP_UID:$APP_UID" /data/blobs
WORKDIR /app
COPY --from=build /app ./
ENV ASPNETCORE_HTTP_PORTS=8080
EXPOSE 8080
USER $APP_UID
# The service probes its own /health/live: HealthProbe in shared/Moderation.ServiceDefaults.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["dotnet", "Moderation.FrameExtractor.dll", "--health-probe"]
ENTRYPOINT ["dotnet", "Moderation.FrameExtractor.dll"]
