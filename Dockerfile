# hvsim in a small image, for sharded sweeps on Kubernetes (docs/sharded-sweeps.md).
# Build: docker build -t hvsim:dev .   The bundled scenarios are compiled into the binary,
# so the image needs nothing beside it: `hvsim explore quota-race-agent-restart ...`.

# The builder: Rust at least the Cargo.toml rust-version; --locked builds the Cargo.lock
# versions, the ones the tests ran with.
FROM rust:1.90-bookworm AS builder
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin hvsim \
    && cp target/release/hvsim /usr/local/bin/hvsim

# The runtime: the binary alone on Debian slim (same Debian release as the builder, so the
# same glibc).
FROM debian:bookworm-slim
COPY --from=builder /usr/local/bin/hvsim /usr/local/bin/hvsim
# Not root: the pods write only to their results volume.
RUN useradd --uid 10001 --create-home hvsim && mkdir /results && chown hvsim /results
USER 10001
WORKDIR /results
ENTRYPOINT ["/usr/local/bin/hvsim"]
CMD ["--help"]
