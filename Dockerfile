# Image for the workers, the API and the Toss emulator (see docker-compose.yml). Like `npm start`,
# it runs the TypeScript sources with tsx. The workflow bundle is built here, once, by
# `npm run build` (dist/workflow-bundle.js): workers load it (WORKFLOW_BUNDLE) instead of bundling
# workflows/ at every start.
FROM node:22-bookworm-slim

ENV NODE_ENV=production
# A container listens on all its interfaces (the API defaults to loopback outside one).
ENV API_HOST=0.0.0.0
WORKDIR /app

# Dependencies first, so source changes reuse this layer. Only runtime dependencies are installed:
# tsx and the Temporal SDK (with the bundler `npm run build` uses) are among them; jest, swc and
# the type packages are not.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force

# Only the sources: a host node_modules/, dist/ or .data/ never reaches the image.
COPY tsconfig.json ./
COPY src ./src
COPY workflows ./workflows
COPY activities ./activities

# The workflow bundle, from exactly the sources above.
RUN npm run build

# The data directory (the emulator's journal): private to the user the processes run as. A named
# volume mounted here starts with this owner and mode.
RUN mkdir -m 0700 .data && chown node:node .data

USER node
EXPOSE 3000 4010
CMD ["node", "--import", "tsx", "src/bootstrap/api-main.ts"]
