# syntax=docker/dockerfile:1
# One multi-stage build for the apps: `--target api`, `--target gateway` or `--target door`.

FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

FROM deps AS build
COPY . .
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/package.json ./package.json
COPY --from=build --chown=node:node /app/dist ./dist
USER node

FROM runtime AS api
COPY --from=build --chown=node:node /app/apps/web/dist ./apps/web/dist
ENV PORT=3000
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+process.env.PORT+'/api/health/ready').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "dist/apps/api/main.js"]

FROM runtime AS gateway
ENV PORT=3001
EXPOSE 3001
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+process.env.PORT+'/health/ready').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "dist/apps/gateway/main.js"]

FROM runtime AS door
ENV DOOR_PORT=3003
EXPOSE 3003
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD node -e "require('net').connect(process.env.DOOR_PORT,'127.0.0.1').on('data',d=>process.exit(String(d).startsWith('OK HELLO')?0:1)).on('error',()=>process.exit(1))"
CMD ["node", "dist/apps/door/main.js"]
