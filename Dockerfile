# cloud-infinite-emulator: docker build -t cloud-infinite-emulator . && docker run -p 8080:8080 cloud-infinite-emulator

# ---- build: compile TypeScript and better-sqlite3's native module, then drop the dev dependencies
FROM node:22-slim AS build
# better-sqlite3 downloads a prebuilt binary when one matches; otherwise node-gyp compiles it,
# which needs python3, make and g++ (not in the slim image). Only this stage has them.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# node-gyp builds against the headers the image ships in /usr/local/include/node, instead of
# downloading them from nodejs.org: the build then needs only the npm registry and Debian.
ENV npm_config_nodedir=/usr/local
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` would compile src/, which is not copied yet. The one install script
# the runtime needs, better-sqlite3's, runs explicitly just after.
RUN npm ci --ignore-scripts --no-audit --no-fund \
 && npm rebuild better-sqlite3
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY src ./src
# npm run build, as JavaScript only: no declarations or source maps (nothing starts node with
# --enable-source-maps); then the CLI bundled into one file, dist/main.js.
RUN npx tsc -p tsconfig.build.json --declaration false --sourceMap false \
 && npm run bundle \
 && npm prune --omit=dev --ignore-scripts --no-audit --no-fund
# Only what runs goes on to the runtime stage. Of better-sqlite3: its loader (lib/, package.json,
# LICENSE) and compiled module; its C++ sources, SQLite's amalgamation (deps/) and node-gyp's
# intermediate files (build/Release/obj*, test_extension.node) were most of node_modules. Then, in
# every package, what is never loaded: tests, docs, examples, benchmarks, Markdown, type
# declarations and source maps. Licences stay. `test -f` fails the build if the module is missing.
RUN cd node_modules/better-sqlite3 \
 && test -f build/Release/better_sqlite3.node \
 && find . -mindepth 1 -maxdepth 1 -not -name lib -not -name package.json -not -name LICENSE -not -name build -exec rm -rf {} + \
 && find build -mindepth 1 -maxdepth 1 -not -name Release -exec rm -rf {} + \
 && find build/Release -mindepth 1 -maxdepth 1 -not -name better_sqlite3.node -exec rm -rf {} + \
 && cd ../.. \
 && find node_modules -type d \( -name test -o -name tests -o -name docs -o -name example -o -name examples \
      -o -name benchmarks -o -name .github \) -prune -exec rm -rf {} + \
 && find node_modules -type f \( -name '*.md' -o -name '*.d.ts' -o -name '*.d.mts' -o -name '*.d.cts' \
      -o -name '*.js.map' -o -name '*.cjs.map' -o -name '*.mjs.map' \) -delete \
 && find node_modules -type d -empty -delete

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
CMD ["node", "--max-semi-space-size=4", "dist/main.js"]
