package bedrock

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/switchyard-llm/switchyard/internal/config"
	"github.com/switchyard-llm/switchyard/internal/fakes/bedrockfake"
	"github.com/switchyard-llm/switchyard/internal/provider"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

// fakeRequestID is what the fake sends as x-amzn-RequestId.
const fakeRequestID = bedrockfake.RequestID

// fixedNow is the clock of test clients, so responses compare exactly.
var fixedNow = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// newFake starts the shared fake Bedrock Runtime endpoint
// (internal/fakes/bedrockfake): it checks the SigV4-signed requests the
// real SDK sends and answers in Bedrock's wire format, the event-stream
// binary framing included.
func newFake(t *testing.T) *bedrockfake.Fake {
	t.Helper()
	return bedrockfake.New(t)
}

// converseFixture answers with the fake's converse/<name>.json.
func converseFixture(name string) bedrockfake.Reply {
	return bedrockfake.Reply{File: "converse/" + name + ".json"}
}

// streamFixture answers ConverseStream with the fake's stream/<name>.jsonl;
// a non-nil gate holds the stream at the script's gate line until closed.
func streamFixture(name string, gate chan struct{}) bedrockfake.Reply {
	return bedrockfake.Reply{StreamFile: "stream/" + name + ".jsonl", Gate: gate}
}

// apiError answers the way Bedrock reports an error.
func apiError(status int, code, message string, header map[string]string) bedrockfake.Reply {
	return bedrockfake.Reply{Status: status, ErrorCode: code, Message: message, Header: header}
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// awsTestEnv gives the SDK the fake's credentials and region and shuts out
// anything on the machine.
func awsTestEnv(t *testing.T) { bedrockfake.SetAWSEnv(t) }

// newTestClient is a real provider built by New, pointed at the fake.
func newTestClient(t *testing.T, f *bedrockfake.Fake, env provider.Env) *Client {
	t.Helper()
	awsTestEnv(t)
	p, err := New(config.Provider{Type: "bedrock", EndpointURL: f.URL}, env)
	if err != nil {
		t.Fatal(err)
	}
	c := p.(*Client)
	c.now = func() time.Time { return fixedNow }
	c.newID = func() string { return "generated" }
	return c
}

// golden compares got with testdata/<path>, rewriting it under -update.
func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	path = filepath.Join("testdata", path)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (run with -update after checking):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

// canonicalJSON re-indents JSON with sorted keys and exact numbers, so a
// golden file does not depend on the order the SDK writes map keys in.
func canonicalJSON(t *testing.T, b []byte) []byte {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, b)
	}
	out, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(out, '\n')
}
