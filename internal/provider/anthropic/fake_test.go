package anthropic

import (
	"testing"

	"github.com/switchyard-llm/switchyard/internal/fakes/anthropicfake"
)

// fakeKey is the key the fake Messages API accepts.
const fakeKey = anthropicfake.APIKey

// newFakeAPI starts the shared fake Messages API (internal/fakes/anthropicfake),
// which validates each request as Anthropic does and answers from its
// documented-example fixtures.
func newFakeAPI(t *testing.T) *anthropicfake.Fake {
	t.Helper()
	return anthropicfake.New(t)
}
