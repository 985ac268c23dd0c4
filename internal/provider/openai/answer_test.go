package openai

import (
	"encoding/json"
	"io"
	"net/http"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/switchyard-llm/switchyard/internal/chat"
)

// slowUsage is the reference: what encoding/json makes of a usage value.
func slowUsage(u []byte) *chat.Usage {
	if len(u) == 0 || u[0] != '{' {
		return nil
	}
	var usage chat.Usage
	if json.Unmarshal(u, &usage) != nil {
		return nil
	}
	return &usage
}

func checkUsage(t *testing.T, u []byte) {
	t.Helper()
	if !json.Valid(u) {
		return // Complete checks the whole answer before it reads a field
	}
	if got, want := readUsage(u), slowUsage(u); !reflect.DeepEqual(got, want) {
		t.Fatalf("readUsage(%s) = %+v, encoding/json gives %+v", u, got, want)
	}
	var want string
	_ = json.Unmarshal(u, &want)
	if got := readModel(u); got != want {
		t.Fatalf("readModel(%s) = %q, encoding/json gives %q", u, got, want)
	}
}

var usageCases = []string{
	`{"prompt_tokens":3,"completion_tokens":5,"total_tokens":8}`,
	`{"prompt_tokens":3,"completion_tokens":5,"total_tokens":8,"prompt_tokens_details":{"cached_tokens":2,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":1,"accepted_prediction_tokens":0}}`,
	`{"Prompt_Tokens":3}`, `{"total_tokens":8,"total_tokens":9}`, `{"total_tokens":1.5}`, `{"total_tokens":"8"}`,
	`{"prompt_tokens_details":null,"completion_tokens_details":{"reasoning_tokens":null}}`, `{ "total_tokens" : 8 }`,
	`{"prompt_tokens":99999999999999999999}`, `[]`, `8`, `null`, `"gpt-4o"`, `"caf\u00e9"`, `"a\"b"`,
}

func TestReadUsageAndModel(t *testing.T) {
	for _, c := range usageCases {
		checkUsage(t, []byte(c))
	}
	if u := readUsage([]byte(usageCases[1])); u == nil || u.TotalTokens != 8 || u.CachedTokens() != 2 {
		t.Errorf("readUsage = %+v", u)
	}
}

// FuzzUsage: an answer's usage and model are read as encoding/json reads them.
func FuzzUsage(f *testing.F) {
	for _, c := range usageCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, u []byte) { checkUsage(t, u) })
}

// TestReadBody: an answer is read whole whether its length is announced,
// wrong or missing, and one past the limit is cut at limit+1 (Complete
// refuses it).
func TestReadBody(t *testing.T) {
	body := strings.Repeat("x", 3000)
	for _, tt := range []struct {
		name   string
		length int64
		body   string
		want   int
	}{
		{"announced", 3000, body, 3000},
		{"announced short", 10, body, 3000},
		{"announced long", 5000, body, 3000},
		{"unknown", -1, body, 3000},
		{"empty", 0, "", 0},
		{"over the limit", -1, strings.Repeat("y", maxResponseBytes+10), maxResponseBytes + 1},
		{"over the limit, announced", maxResponseBytes + 10, strings.Repeat("y", maxResponseBytes+10), maxResponseBytes + 1},
		{"past the preallocation", preallocMax + 5000, strings.Repeat("z", preallocMax+5000), preallocMax + 5000},
	} {
		t.Run(tt.name, func(t *testing.T) {
			resp := &http.Response{ContentLength: tt.length, Body: io.NopCloser(iotest.HalfReader(strings.NewReader(tt.body)))}
			got, err := readBody(resp)
			if err != nil || len(got) != tt.want || string(got) != tt.body[:tt.want] {
				t.Fatalf("readBody = %d bytes, %v; want %d", len(got), err, tt.want)
			}
		})
	}
}

// TestReadBodyTrustsNoLength: an upstream that announces the largest
// answer and sends a few bytes does not make the gateway allocate what it
// announced.
func TestReadBodyTrustsNoLength(t *testing.T) {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range 4 {
		resp := &http.Response{ContentLength: maxResponseBytes, Body: io.NopCloser(strings.NewReader(`{"choices":[]}`))}
		if b, err := readBody(resp); err != nil || string(b) != `{"choices":[]}` {
			t.Fatalf("readBody = %q, %v", b, err)
		}
	}
	runtime.ReadMemStats(&after)
	if got := after.TotalAlloc - before.TotalAlloc; got > 8<<20 {
		t.Errorf("4 short answers announced at %d bytes allocated %d bytes", maxResponseBytes, got)
	}
}
