# layerops-mcp as a small, non-root image. The shipped content (registry/, resources/,
# prompts/) is embedded in the binary; mount another content root and pass --root to
# serve that instead (docs/deployment.md).
#
#   docker build -t layerops-mcp .
#   docker run --rm -p 8080:8080 layerops-mcp                 # each user sends their own key
#   docker run --rm -p 8080:8080 layerops-mcp serve --http 0.0.0.0:8080 --sandbox \
#       --unsafe-no-auth-behind-proxy                         # a demo on the built-in sandbox

FROM docker.io/library/rust:1.95-bookworm AS build
WORKDIR /src
# Dependencies first, so that a change of the sources does not fetch them again.
COPY Cargo.toml Cargo.lock build.rs ./
COPY crates crates
COPY benches benches
COPY src src
COPY registry registry
COPY resources resources
COPY prompts prompts
COPY link link
RUN cargo build --profile dist --locked --features full --bin layerops-mcp \
    && cp target/dist/layerops-mcp /layerops-mcp

# glibc and libgcc, nothing else: no shell, no package manager. Runs as uid 65532.
FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /layerops-mcp /usr/local/bin/layerops-mcp
USER 65532:65532
EXPOSE 8080 9464
ENTRYPOINT ["/usr/local/bin/layerops-mcp"]
# Streamable HTTP on every interface, each user calling with their own LayerOps key
# (Authorization: Bearer <key id>:<secret>), metrics on 9464, JSON logs.
CMD ["serve", "--http", "0.0.0.0:8080", "--user-keys", "--metrics", "0.0.0.0:9464", "--log-format", "json"]
