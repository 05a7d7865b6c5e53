# Build stage: compile TypeScript, then keep only production dependencies.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY src ./src
COPY connectors ./connectors
RUN npm run build && npm prune --omit=dev

# Runtime: a maintained Node LTS, non-root, config mounted at /etc/s4e-bridge/config.yaml.
# The root filesystem can be read-only (`--read-only`): the only thing the bridge writes is the
# embedded store, whose default path (./data) is on the volume below. With Redis, nothing.
FROM node:24-bookworm-slim
# NODE_OPTIONS: the heap cap of the CLI's shebang (`node` here ignores the shebang); raise it
# with `-e NODE_OPTIONS=…` rather than removing it (README, Performance).
# S4E_BRIDGE_LISTEN: outside a container the operations endpoint stays on loopback; here it must
# answer on the container's address for probes and Prometheus (publish it with care: README, Operations).
ENV NODE_ENV=production \
    NODE_OPTIONS=--max-old-space-size=1536 \
    S4E_BRIDGE_CONFIG=/etc/s4e-bridge/config.yaml \
    S4E_BRIDGE_LISTEN=0.0.0.0:9464 \
    S4E_BRIDGE_HEALTHZ=http://127.0.0.1:9464/healthz
WORKDIR /app
COPY --from=build --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/dist ./dist
COPY --chown=root:root package.json config.example.yaml LICENSE ./
RUN mkdir /var/lib/s4e-bridge && chown 1000:1000 /var/lib/s4e-bridge
WORKDIR /var/lib/s4e-bridge
VOLUME /var/lib/s4e-bridge
# The image's `node` user, numeric so that Kubernetes' runAsNonRoot can verify it.
USER 1000:1000
# The operations endpoint (S4E_BRIDGE_LISTEN): /healthz /readyz /metrics /status, and dead letters with server.token.
EXPOSE 9464
# Liveness: /healthz fails when no subscription was connected for server.unhealthy_after (10 min) or
# the platform refused them all (README, Operations). No curl in a slim image: Node's own fetch
# probes it (set S4E_BRIDGE_HEALTHZ if S4E_BRIDGE_LISTEN changes the port).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch(process.env.S4E_BRIDGE_HEALTHZ).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "/app/dist/src/cli/main.js"]
# The config comes from S4E_BRIDGE_CONFIG for every command: `docker exec CONTAINER node /app/dist/src/cli/main.js status`.
CMD ["run"]
