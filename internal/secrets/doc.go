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
// It must never put a secret value in an error, a log line or a trace:
// errors name the reference only.
package secrets
