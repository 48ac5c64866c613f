# SimCRM: one static binary. Build: docker build -t simcrm .
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/simcrm . \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/simcrm /simcrm
COPY --from=build --chown=65532:65532 /out/data /data
USER 65532:65532
ENV HTTP_ADDR=:8080 DATA_DIR=/data
VOLUME /data
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s CMD ["/simcrm", "healthcheck"]
ENTRYPOINT ["/simcrm"]
CMD ["serve"]
