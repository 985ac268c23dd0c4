package anthropic

import (
	"encoding/json"
	"math"
	"strconv"
	"testing"

	"github.com/switchyard-llm/switchyard/internal/chat"
)

// TestDefaultLimitAboveThinkingBudget: without a caller's limit, max_tokens
// is the thinking budget plus room for the answer, and a budget near the
// int range saturates instead of wrapping to a negative max_tokens.
func TestDefaultLimitAboveThinkingBudget(t *testing.T) {
	tests := []struct {
		budget int
		want   int
	}{
		{0, defaultMaxTokens},
		{1024, defaultMaxTokens},
		{defaultMaxTokens, 2 * defaultMaxTokens},
		{100_000, 100_000 + defaultMaxTokens},
		{math.MaxInt - defaultMaxTokens, math.MaxInt},
		{math.MaxInt - 1, math.MaxInt},
		{math.MaxInt, math.MaxInt},
	}
	for _, tt := range tests {
		t.Run(strconv.Itoa(tt.budget), func(t *testing.T) {
			var req chat.Request
			body := `{"messages":[{"role":"user","content":"hi"}],"thinking":{"type":"enabled","budget_tokens":` + strconv.Itoa(tt.budget) + `}}`
			if err := json.Unmarshal([]byte(body), &req); err != nil {
				t.Fatal(err)
			}
			out, err := buildBody("claude-sonnet-4-5", &req, false)
			if err != nil {
				t.Fatal(err)
			}
			var got struct {
				MaxTokens int `json:"max_tokens"`
			}
			if err := json.Unmarshal(out, &got); err != nil {
				t.Fatal(err)
			}
			if got.MaxTokens != tt.want {
				t.Errorf("max_tokens = %d, want %d", got.MaxTokens, tt.want)
			}
		})
	}
}
