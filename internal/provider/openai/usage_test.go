package openai

import (
	"encoding/json"
	"reflect"
	"testing"

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
