# syntax=docker/dockerfile:1
# Frame extractor: ffprobe/ffmpeg from the distribution, run under prlimit (util-linux) by the service's sandbox.
#   docker build -f deploy/docker/frame-extractor.Dockerfile -t moderation-frame-extractor .
ARG DOTNET_VERSION=10.0

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

FROM mcr.microsoft.com/dotnet/aspnet:${DOTNET_VERSION}
RUN apt-get update \
 && apt-get install -y --no-install-recommends ffmpeg util-linux curl \
 && rm -rf /var/lib/apt/lists/* \
 && ffprobe -version >/dev/null && prlimit --version >/dev/null \
 && mkdir -p /data/blobs && chown "$APP_UID:$APP_UID" /data/blobs
WORKDIR /app
COPY --from=build /app ./
ENV ASPNETCORE_HTTP_PORTS=8080
EXPOSE 8080
USER $APP_UID
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
  CMD curl -fsS http://127.0.0.1:8080/health/live || exit 1
ENTRYPOINT ["dotnet", "Moderation.FrameExtractor.dll"]
