# syntax=docker/dockerfile:1
# The model as an image of its own: tools/model-import converts the nsfwjs weights (from the npm registry) to ONNX and
# writes /models/<model>/{model.onnx,model.json}. Classifier and frame-extractor pods copy it into a volume with an
# init container, so a model upgrade is a new tag of this image, not a rebuild of the services.
#   docker build -f deploy/docker/model.Dockerfile --build-arg MODEL=mobilenet_v2 -t moderation-model:mobilenet_v2 .
ARG DOTNET_VERSION=10.0

FROM mcr.microsoft.com/dotnet/sdk:${DOTNET_VERSION} AS build
# libonnx-dev: the ONNX schema the importer compiles; Node: unwraps nsfwjs' JS-wrapped weights (scripts/model).
RUN apt-get update \
 && apt-get install -y --no-install-recommends libonnx-dev nodejs npm \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Moderation.sln global.json Directory.Build.props Directory.Packages.props ./
COPY shared/ shared/
COPY tools/model-import/ tools/model-import/
COPY scripts/model scripts/model
ARG MODEL=mobilenet_v2
# scripts/model fetches the pinned nsfwjs tarball from the npm registry, checks its integrity, converts it and writes
# model.json beside model.onnx, exactly as scripts/up does on a workstation.
RUN --mount=type=cache,id=nuget,target=/root/.nuget/packages \
    --mount=type=cache,id=npm,target=/root/.npm \
    MODERATION_MODEL_DIR=/models scripts/model "$MODEL" \
 && test -s "/models/$MODEL/model.json" && test -s "/models/$MODEL/model.onnx"

FROM busybox:1.37
COPY --from=build /models /models
# Owned by the init user so an empty named volume mounted here (docker compose) inherits a writable mount point.
RUN mkdir /model-volume && chown 65532:65532 /model-volume
# 65532: an unprivileged user with no entry in /etc/passwd; the files stay world-readable.
USER 65532:65532
ENTRYPOINT ["/bin/sh", "-c"]
# Default action of the init container: copy the model into the volume mounted at /model-volume.
CMD ["cp -R /models/. /model-volume/ && ls -R /model-volume"]
