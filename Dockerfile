# The server image: Deno with the product's dependencies cached and the dashboard built.
FROM denoland/deno:2.9.6
WORKDIR /app
COPY deno.json deno.lock ./
COPY server ./server
COPY web ./web
COPY migrations ./migrations
COPY db ./db
COPY schema.graphql ./
RUN deno install --entrypoint server/main.ts && deno task build:web
# Two malloc arenas: with one per thread, the server's memory grew under sustained load without
# being returned (see README, Benchmarks).
ENV HOST=0.0.0.0 PORT=8000 WEB_BUILD=off MALLOC_ARENA_MAX=2
EXPOSE 8000
CMD ["deno", "run", "--allow-all", "--unstable-no-legacy-abort", "server/main.ts"]
