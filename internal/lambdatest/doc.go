// Package lambdatest tests the Lambda deployment as it runs in the cloud:
// the real bootstrap binaries (built with -tags lambda.norpc) under the AWS
// Lambda Runtime Interface Emulator, invoked with every file in events/,
// against dynalite and fake upstreams on 127.0.0.1; the X-Ray segments they
// send to a UDP listener; template.yaml parsed with goformation; the
// Dockerfile's build (Docker itself is not needed); and `make invoke` on a
// fresh clone.
// Its benchmarks measure cold start against a hello-world bootstrap.
//
// It holds tests only; nothing imports it.
package lambdatest
