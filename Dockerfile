# syntax=docker/dockerfile:1.7
# The demo app (src/main.ts) with the library, for `docker compose up`.
# Three stages: build with dev dependencies, install production dependencies, run.

# Node.js 26 is the active LTS line (from 2026-10-28; maintenance from 2027-10-20), and
# Debian 13 (trixie) the base of its official images. `--build-arg NODE_IMAGE=...` picks another.
ARG NODE_IMAGE=node:26-trixie-slim

# --- build: compile TypeScript with the full dev toolchain ----------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY nest-cli.json tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

# The library keeps @nestjs/* out of its own dependencies (a host app brings its
# own Nest), so `npm ci --omit=dev` alone would leave the demo app without Nest.
# An `npm install --no-save` of those packages after `npm ci --omit=dev` does not
# help either: npm (11.19) still sees them as devDependencies and omits them. So write a
# production package.json: the library's dependencies, the non-optional peers,
# and the packages the demo app needs, each pinned to the version in the lock file.
ARG DEMO_RUNTIME_PACKAGES="@nestjs/common @nestjs/core @nestjs/platform-express @nestjs/config reflect-metadata rxjs"
RUN mkdir -p /prod && cp package-lock.json /prod/ && node - "$DEMO_RUNTIME_PACKAGES" <<'EOF'
const { writeFileSync } = require('node:fs');
const pkg = require('/app/package.json');
const lock = require('/app/package-lock.json');
const wanted = process.argv[2].split(/\s+/).filter(Boolean);
const optional = pkg.peerDependenciesMeta ?? {};
for (const name of Object.keys(pkg.peerDependencies ?? {})) {
  if (!optional[name]?.optional && !wanted.includes(name)) wanted.push(name);
}
const dependencies = { ...pkg.dependencies };
for (const name of wanted) {
  const locked = lock.packages[`node_modules/${name}`];
  if (!locked) throw new Error(`${name} is not in package-lock.json`);
  dependencies[name] = locked.version;
}
const production = { name: pkg.name, version: pkg.version, private: true, main: 'dist/main.js', dependencies };
writeFileSync('/prod/package.json', JSON.stringify(production, null, 2) + '\n');
EOF

# --- deps: production dependencies only ----------------------------------------
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY --from=build /prod/package.json /prod/package-lock.json ./
# `npm install` (not `ci`) because package.json differs from the lock's root; it keeps
# every locked version that still satisfies package.json, which is all of them.
# No runtime dependency has an install script.
RUN npm install --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

# --- runtime ---------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    PORT=3000
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=deps /app/package.json ./package.json
COPY --from=build /app/dist ./dist
# The files stay owned by root, so the app cannot change its own code; it runs as
# the image's unprivileged `node` user (uid 1000).
USER node
EXPOSE 3000
# Node, not curl: slim images have no curl. 200 means the backend answered a live
# round trip; 503 (Redis down) marks the container unhealthy. It follows
# CACHE_HEALTH_PATH; with CACHE_HEALTH_ENABLED=false, give the image another check.
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "require('http').get({host:'127.0.0.1',port:process.env.PORT||3000,path:'/'+(process.env.CACHE_HEALTH_PATH||'health/cache').split('/').filter(Boolean).join('/'),timeout:2000},r=>process.exit(r.statusCode===200?0:1)).on('error',()=>process.exit(1)).on('timeout',function(){this.destroy()})"]
CMD ["node", "dist/main.js"]
