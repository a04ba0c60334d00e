# cloud-infinite-emulator: docker build -t cloud-infinite-emulator . && docker run -p 8080:8080 cloud-infinite-emulator

# ---- build: compile TypeScript and better-sqlite3's native module, then drop the dev dependencies
FROM node:22-slim AS build
# better-sqlite3 downloads a prebuilt binary when one matches; otherwise node-gyp compiles it,
# which needs python3, make and g++ (not in the slim image). Only this stage has them.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` would compile src/, which is not copied yet. The one install script
# the runtime needs, better-sqlite3's, runs explicitly just after.
RUN npm ci --ignore-scripts --no-audit --no-fund \
 && npm rebuild better-sqlite3
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build \
 && npm prune --omit=dev --ignore-scripts --no-audit --no-fund

# ---- runtime: node, the compiled code and production node_modules; no compiler, no npm install
FROM node:22-slim
ENV NODE_ENV=production \
    CIE_HOST=0.0.0.0 \
    CIE_PORT=8080 \
    CIE_DB=/data/ci-emulator.db
WORKDIR /app
# Copied rather than installed again: `npm ci` here would run `prepare`, which needs the dev
# dependencies. Owned by root and read-only for the user that runs the emulator.
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY fixtures/seed ./fixtures/seed
# The image's own `node` user (uid 1000); /data is created with its owner before VOLUME, so a new
# named volume starts out writable by it.
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME /data
EXPOSE 8080
# The slim image has no curl: a node script requests /_emulator/health with the same CIE_* settings.
HEALTHCHECK --interval=5s --timeout=4s --start-period=10s --retries=3 \
  CMD ["node", "dist/healthcheck.js"]
# Exec form: node is PID 1 and gets SIGTERM itself (it handles SIGTERM and SIGINT, finishing the
# requests in flight and closing the database within 5 s).
CMD ["node", "dist/main.js"]
