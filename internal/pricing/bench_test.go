package pricing

import (
	"strings"
	"testing"

	"github.com/switchyard-llm/switchyard/internal/chat"
	"github.com/switchyard-llm/switchyard/internal/config"
)

func BenchmarkLookup(b *testing.B) {
	c := Default().WithOverrides(map[string]config.Model{"openai/gpt-4o-mini": {ContextWindow: 64000}})
	cases := []struct{ name, typ, provider, model string }{
		{"exact", "openai", "openai", "gpt-4.1-mini"},
		{"override", "openai", "openai", "gpt-4o-mini"},
		{"dated snapshot", "anthropic", "anthropic", "claude-sonnet-4-5-20250929"},
		{"bedrock region profile", "bedrock", "bedrock-us", "us.anthropic.claude-sonnet-4-5-20250929-v1:0"},
		{"miss", "openai-compatible", "groq", "llama-3.3-70b-versatile"},
	}
	for _, bc := range cases {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				c.Lookup(bc.typ, bc.provider, bc.model)
			}
		})
	}
}

func BenchmarkEstimateInputTokens(b *testing.B) {
	for _, s := range loadEstimateSamples(b) {
		req := decodeRequest(b, s.Raw)
		b.Run(strings.ReplaceAll(s.Name, " ", "_"), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				EstimateInputTokens(req)
			}
		})
	}
	// A long agent conversation: 200 messages of 2 KB and 20 tools.
	long := &chat.Request{}
	for i := 0; i < 200; i++ {
		long.Messages = append(long.Messages, chat.Message{Role: "user", Content: chat.TextContent(strings.Repeat("word ", 400))})
	}
	for i := 0; i < 20; i++ {
		long.Tools = append(long.Tools, chat.Tool{Type: "function", Function: chat.FunctionSpec{
			Name: "tool", Description: "does a thing",
			Parameters: []byte(`{"type":"object","properties":{"a":{"type":"string"},"b":{"type":"integer"}},"required":["a"]}`),
		}})
	}
	b.Run("200_messages_20_tools", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(200 * 2000)
		for b.Loop() {
			EstimateInputTokens(long)
		}
	})
}
