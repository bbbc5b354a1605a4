# Multi-stage release build of Throughline.
FROM rust:1.95-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends nodejs npm && rm -rf /var/lib/apt/lists/*
RUN rustup target add wasm32-unknown-unknown \
 && cargo install wasm-bindgen-cli --version 0.2.130 \
 && cargo install cargo-leptos --version 0.3.8 --locked --features no_downloads
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
ENV PATH="/src/node_modules/.bin:${PATH}"
RUN cargo leptos build --release

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates && rm -rf /var/lib/apt/lists/* \
 && useradd --system --create-home --home-dir /app throughline
WORKDIR /app
COPY --from=build /src/target/release/throughline /app/throughline
COPY --from=build /src/target/site /app/site
# Meant to sit behind a TLS-terminating proxy: Secure __Host- cookies and HSTS are on. No demo data.
ENV LEPTOS_SITE_ROOT=/app/site LEPTOS_SITE_ADDR=0.0.0.0:3000 THROUGHLINE_DATA_DIR=/app/data THROUGHLINE_HTTPS=true THROUGHLINE_DEMO=false
USER throughline
EXPOSE 3000
CMD ["/app/throughline", "serve"]
