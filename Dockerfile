# The server image: Deno with the product's dependencies cached and the dashboard built.
FROM denoland/deno:2.9.6
WORKDIR /app
COPY deno.json deno.lock ./
COPY server ./server
COPY web ./web
COPY migrations ./migrations
COPY db ./db
RUN deno install --entrypoint server/main.ts && deno run -A server/build_web.ts || true
ENV HOST=0.0.0.0 PORT=8000
EXPOSE 8000
CMD ["deno", "run", "--allow-all", "server/main.ts"]
