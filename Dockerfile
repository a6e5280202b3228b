# syntax=docker/dockerfile:1
# The orgwarden image: docs/container.md (run, configure, read-only root filesystem, what is and is
# not checked without a container engine). test/deploy/ checks this file: every base pinned, the
# OPA pin and build arguments, the labels, the user, and that the runtime stage's files, laid out
# as here, start and answer with the default config.
#
#   docker build -t orgwarden --build-arg VERSION=0.1.0 --build-arg REVISION=$(git rev-parse HEAD) \
#     --build-arg CREATED=$(date -u +%Y-%m-%dT%H:%M:%SZ) .
#   docker compose -f deploy/compose.yaml up --build        # the whole loop: docs/container.md

# 1. Compile the Rego policy pack to a WASM bundle with the pinned OPA release (scripts/lib/
#    opa-pin.mjs: the version and exactly its `opa build` arguments). It is built as "." from inside
#    the policy folder, as `npm run policy:build` builds it, so the image serves the same bundle
#    bytes and policy revision as any other build of these files.
FROM openpolicyagent/opa:1.22.3-static AS policy
WORKDIR /src/policies
COPY policies/ ./
RUN ["/opa", "test", "--bundle", "."]
RUN ["/opa", "build", "--target=wasm", "--entrypoint", "orgwarden/authz/decision", "--entrypoint", "orgwarden/authz/explain", "--bundle", "--ignore", "*_test.rego", "--output", "/src/bundle.tar.gz", "."]

# 2. Build the TypeScript service. Node 24 is the active LTS; the release pipeline pins the digest
#    (node:24.21.0-bookworm-slim@sha256:…) when it builds, as no registry is reachable where this
#    file is written and checked.
FROM node:24.21.0-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY src/ ./src/
RUN npm run build && npm prune --omit=dev

# 3. Runtime: no compiler, no OPA, no dev dependencies, not root. Everything under /opt/orgwarden
#    and /etc/orgwarden is read-only at run time; the one path serving writes is the file
#    directory's folder, /var/lib/orgwarden (a volume).
FROM node:24.21.0-bookworm-slim
ARG VERSION=0.1.0
ARG REVISION=unknown
ARG CREATED=unknown
LABEL org.opencontainers.image.title="orgwarden" \
      org.opencontainers.image.description="Authorization sidecar that keeps the tenants of a multi-tenant product apart (Rego policies compiled to WebAssembly)." \
      org.opencontainers.image.source="https://github.com/orgwarden/orgwarden" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}"
ENV NODE_ENV=production
WORKDIR /opt/orgwarden
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/package.json ./package.json
# Read at start from the package root (next to dist/): the Envoy gRPC protos, the OpenAPI document,
# the explorer page (ui/).
COPY proto/ ./proto/
COPY openapi/ ./openapi/
COPY ui/ ./ui/
COPY --from=policy /src/bundle.tar.gz ./policy/bundle.tar.gz
COPY policies/routes.yaml ./policy/routes.yaml
COPY deploy/container/orgwarden.yaml /etc/orgwarden/orgwarden.yaml
COPY --chown=node:node deploy/container/directory.yaml /var/lib/orgwarden/directory.yaml
VOLUME ["/var/lib/orgwarden"]
USER node
EXPOSE 8282
HEALTHCHECK --interval=10s --timeout=2s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.ORGWARDEN_PORT||8282)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["node", "dist/cli/main.js"]
CMD ["serve", "--config", "/etc/orgwarden/orgwarden.yaml"]
