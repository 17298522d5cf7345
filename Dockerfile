# The NHSmail Welcome bot's container image (docs/deploy.md, "Packaging and upload").
#
#   docker build -t nhsmail-welcome-bot .
#   docker run -p 3978:3978 -e NODE_ENV=production -e MicrosoftAppId=… nhsmail-welcome-bot
#
# Not built in this repository's CI (no container runtime there): test/deploy/deployable.test.ts checks that this
# file ships the same files as `npm run deployable`, runs as a non-root user and starts with plain node.

# --- Build: compile the server and jobs, bundle the tabs (needs the devDependencies) -----------------------------
FROM node:24-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY scripts ./scripts
COPY cards ./cards
RUN npm run build

# --- Run: production dependencies only, the compiled output, the tab pages and the content ------------------------
FROM node:24-bookworm-slim
ENV NODE_ENV=production NODE_OPTIONS=--max-semi-space-size=8
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /src/dist ./dist
COPY --from=build /src/build/tabs ./build/tabs
COPY cards ./cards
# DATA_DIR for STORAGE=file (a pilot on one instance); with STORAGE=blob nothing is written here.
RUN mkdir -p /app/data && chown node:node /app/data
# The node image's unprivileged user (uid 1000): the process cannot change its own code or content.
USER node
EXPOSE 3978
# Plain node, not npm: SIGTERM reaches the bot and its graceful shutdown runs. The jobs run the same way:
#   node dist/cli/retention.js | node dist/cli/remind.js | node dist/cli/report-unanswered.js | node dist/cli/report-feedback.js | node dist/cli/audit.js
CMD ["node", "dist/index.js"]
