# brain-db in a container: `docker compose --profile local up` builds it and runs
# `brain-db migrate` against DATABASE_URL (the compose `db` service by default).
FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --package brain-db \
    && cp target/release/brain-db /usr/local/bin/brain-db \
    && mkdir -p migrations

FROM debian:bookworm-slim
RUN useradd --system --create-home brain
COPY --from=build /usr/local/bin/brain-db /usr/local/bin/brain-db
WORKDIR /app
COPY schema.toml ./
COPY --from=build /src/migrations ./migrations/
USER brain
# DB_SKIP_MIGRATIONS=1 turns `migrate` into a no-op (the app manages its schema itself).
ENTRYPOINT ["/bin/sh", "-c", "if [ \"${DB_SKIP_MIGRATIONS:-}\" = 1 ] && [ \"$1\" = migrate ]; then echo 'DB_SKIP_MIGRATIONS=1: migrations skipped'; exit 0; fi; exec brain-db \"$@\"", "brain-db"]
CMD ["migrate"]
