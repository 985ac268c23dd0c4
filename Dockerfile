# syntax=docker/dockerfile:1
# The gateway as a long-running server (`gateway serve`) for ECS Fargate
# behind an ALB, sharing the Lambda stack's DynamoDB tables
# (docs/capacity.md, "Fargate"). Build for Graviton:
#   docker build --platform linux/arm64 -t switchyard .
# The go build line below is checked by internal/lambdatest (container_test.go).

FROM --platform=$BUILDPLATFORM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG TARGETOS=linux
ARG TARGETARCH=arm64
# Static (no cgo) so it runs on distroless/static, which has no libc.
RUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -trimpath -ldflags='-s -w' -o /out/gateway ./functions/gateway

# distroless/static: CA certificates, tzdata and a nonroot user, nothing else.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/gateway /gateway
USER nonroot:nonroot
EXPOSE 8080
# Config and state come from DynamoDB: set SWITCHYARD_CONFIG_TABLE,
# SWITCHYARD_STATE_TABLE, SWITCHYARD_METRICS_TABLE (the stack's outputs)
# and AWS_REGION; the task role grants the table access. The config must
# define keys: without keys serve refuses any address but loopback.
ENTRYPOINT ["/gateway"]
CMD ["serve", "--addr", "0.0.0.0:8080"]
