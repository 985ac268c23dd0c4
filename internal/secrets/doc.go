// Package secrets resolves the api_key references of provider configs
// (DESIGN §4): env:VAR, secret:<Secrets Manager id>[#json-field],
// secret:#<json-field> (a field of the deployment's own provider secret,
// Options.DefaultSecret) and ssm:<parameter>. It is the
// provider.SecretResolver (and provider.SecretRefresher) of the Lambda build.
//
// Cold starts pay nothing for it: AWS clients are built on the first
// secret: or ssm: reference, not at construction. Values are cached per
// process for a TTL, so a warm Lambda does not call Secrets Manager per
// request and a rotated secret is picked up within the TTL. Refresh
// bypasses the cache for a value an upstream refused, at most once per
// MinRefresh, so a rotated-and-revoked key is replaced on the next request.
//
// The two AWS calls (Secrets Manager GetSecretValue, SSM GetParameter) go
// through a small AWS JSON 1.1 client of its own (awsjson.go): SigV4 with
// the SDK's signer and the credentials of config.LoadDefaultConfig,
// endpoints resolved as the SDK does (endpoint.go), the standard
// retryer's policy. The SDK's service packages cost every process ~1.7 MB
// of heap at init and ~7 MB of binary; this client must stay two calls,
// not grow into an SDK.
//
// It must never put a secret value in an error, a log line or a trace:
// errors name the reference only.
package secrets
