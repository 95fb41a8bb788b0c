# Image for the worker and the API (see docker-compose.yml). Like `npm start`, it runs the
# TypeScript sources with tsx. The worker bundles workflows/ when it starts.
FROM node:20-bookworm-slim

ENV NODE_ENV=production
WORKDIR /app

# Dependencies first, so source changes reuse this layer. Only runtime dependencies are installed:
# tsx and the Temporal SDK are among them; jest, swc and the type packages are not.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force

# Only the sources: a host node_modules/ or .data/ never reaches the image.
COPY tsconfig.json ./
COPY src ./src
COPY workflows ./workflows
COPY activities ./activities

USER node
EXPOSE 3000
CMD ["npx", "tsx", "src/bootstrap/api-main.ts"]
