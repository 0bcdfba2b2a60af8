# Multi-stage build of both binaries. SQL is checked against the committed .sqlx/ data,
# so the build needs no database.
FROM rust:1.95-bookworm AS build
WORKDIR /src
ENV SQLX_OFFLINE=true CARGO_TERM_COLOR=never
COPY . .
RUN cargo build --release --locked --bin casework-api --bin casework-worker

FROM debian:bookworm-slim AS runtime
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /nonexistent --shell /usr/sbin/nologin casework
COPY --from=build /src/target/release/casework-api /usr/local/bin/casework-api
COPY --from=build /src/target/release/casework-worker /usr/local/bin/casework-worker
USER casework
ENV CASEWORK_LISTEN=0.0.0.0:8080 CASEWORK_LOG_FORMAT=json
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --retries=3 CMD curl -fs http://127.0.0.1:8080/healthz || exit 1
ENTRYPOINT ["/usr/local/bin/casework-api"]
