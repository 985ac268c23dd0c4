package gemini

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/switchyard-llm/switchyard/internal/chat"
	"github.com/switchyard-llm/switchyard/internal/config"
	"github.com/switchyard-llm/switchyard/internal/fakes/geminifake"
	"github.com/switchyard-llm/switchyard/internal/provider"
)

// testKey is the API key the fake expects; tests assert it never leaks.
const testKey = geminifake.APIKey

// fixedNow makes created exact in assertions.
var fixedNow = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

// newFake starts the shared fake Gemini API (internal/fakes/geminifake),
// which validates each request as Gemini does, answering every request
// with reply.
func newFake(t *testing.T, reply geminifake.Reply) *geminifake.Fake {
	t.Helper()
	f := geminifake.New(t)
	f.SetReply(reply)
	return f
}

func newTestClient(t *testing.T, baseURL string, headers map[string]string) *Client {
	t.Helper()
	p, err := New(config.Provider{Type: "gemini", APIKey: "env:GEMINI_API_KEY", BaseURL: baseURL, Headers: headers},
		provider.Env{Name: "gemini", Secrets: staticSecrets{"env:GEMINI_API_KEY": testKey}})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	c := p.(*Client)
	c.now = func() time.Time { return fixedNow }
	return c
}

type staticSecrets map[string]string

func (s staticSecrets) Resolve(_ context.Context, ref string) (string, error) {
	if v, ok := s[ref]; ok {
		return v, nil
	}
	return "", fmt.Errorf("no secret %s", ref)
}

// replyJSON answers status with a fixture as application/json.
func replyJSON(status int, fixture string, header map[string]string) geminifake.Reply {
	return geminifake.Reply{Status: status, File: fixture, Header: header}
}

// replySSE streams a recorded .sse fixture event by event. With cutAfter
// >= 0 the connection is dropped after that many events, mid-stream,
// without a clean end.
func replySSE(fixture string, cutAfter int) geminifake.Reply {
	return geminifake.Reply{StreamFile: fixture, Cut: cutAfter >= 0, After: cutAfter}
}

// userRequest is a minimal one-message request.
func userRequest(text string) *chat.Request {
	return &chat.Request{Model: "gemini-2.5-flash", Messages: []chat.Message{{Role: "user", Content: chat.TextContent(text)}}}
}

func mustNotLeakKey(t *testing.T, err error) {
	t.Helper()
	if err != nil && strings.Contains(fmt.Sprintf("%v %+v", err, err), testKey) {
		t.Errorf("error contains the API key: %v", err)
	}
}

// readFixture reads a file of this package's testdata/ (translation
// requests and goldens; the fake's answers live in geminifake).
func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatalf("fixture: %v", err)
	}
	return b
}
