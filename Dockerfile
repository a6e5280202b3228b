# syntax=docker/dockerfile:1
# Build: docker build -t orgwarden .
# Run:   docker run -p 8282:8282 -v $PWD/deploy/orgwarden.yaml:/etc/orgwarden/orgwarden.yaml:ro \
#          -e ORGWARDEN_JWT_SECRET=... orgwarden
# The config must set server.host: 0.0.0.0 (and server.caller_token_env) to be reachable from
# outside the container, policy.bundle: /opt/orgwarden/policy/bundle.tar.gz and
# policy.routes: /opt/orgwarden/policy/routes.yaml (a bundle carries no route manifest).

# 1. Compile the Rego policy pack to a WASM bundle with the pinned OPA release. It is built as "."
#    from inside the policy folder, as orgwarden and `npm run policy:build` build it, so the image
#    serves the same bundle bytes and policy revision as any other build of these files.
FROM openpolicyagent/opa:1.22.3-static AS policy
WORKDIR /src/policies
COPY policies/ ./
RUN ["/opa", "test", "-b", "."]
RUN ["/opa", "build", "-b", "-t", "wasm", "-e", "orgwarden/authz/decision", "--ignore", "*_test.rego", "-o", "/src/bundle.tar.gz", "."]

# 2. Build the TypeScript service.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY src/ ./src/
RUN npm run build && npm prune --omit=dev

# 3. Runtime: no compiler, no OPA, no dev dependencies, not root.
FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /opt/orgwarden
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/package.json ./package.json
COPY --from=policy /src/bundle.tar.gz ./policy/bundle.tar.gz
COPY policies/routes.yaml ./policy/routes.yaml
COPY examples/ ./examples/
USER node
EXPOSE 8282
HEALTHCHECK --interval=10s --timeout=2s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.ORGWARDEN_PORT||8282)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["node", "dist/cli/main.js"]
CMD ["serve", "--config", "/etc/orgwarden/orgwarden.yaml"]
