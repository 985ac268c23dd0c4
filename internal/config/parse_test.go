package config

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

func ptr[T any](v T) *T { return &v }

// wantValid is testdata/valid.yaml (and valid.json) as a Config.
func wantValid() *Config {
	return &Config{
		Server: Server{
			MaxBodyBytes:       1 << 20,
			Region:             "us-east-1",
			Cooldown:           Cooldown{Failures: 3, Duration: Duration(30 * time.Second)},
			ConfigRefresh:      Duration(10 * time.Second),
			AllowInlineRouters: ptr(false),
		},
		Providers: map[string]Provider{
			"openai":     {Type: "openai", APIKey: "env:OPENAI_API_KEY"},
			"anthropic":  {Type: "anthropic", APIKey: "secret:switchyard/llm#anthropic", APIVersion: "2023-06-01"},
			"gemini":     {Type: "gemini", APIKey: "ssm:/switchyard/gemini"},
			"bedrock-us": {Type: "bedrock", Region: "us-east-1", EndpointURL: "https://bedrock-runtime.us-east-1.amazonaws.com"},
			"groq": {Type: "openai-compatible", BaseURL: "https://api.groq.com/openai/v1", APIKey: "env:GROQ_API_KEY",
				Region: "us-west-2", Headers: map[string]string{"x-team": "a"}, Models: []string{"llama-3.1-8b-instant"},
				Timeout: Duration(20 * time.Second)},
			"demo": {Type: "mock", Latency: Duration(40 * time.Millisecond), FailRate: 0.3, FailStatus: 503, Reply: "hello", Seed: 7},
		},
		Models: map[string]Model{
			"openai/gpt-4o-mini": {InputPerMTok: ptr(0.15), OutputPerMTok: ptr(0.60), CachedInputPerMTok: ptr(0.0),
				ContextWindow: 128000, MaxOutputTokens: 16384},
		},
		Routers: map[string]*Router{
			"default": {
				Strategy: "fallback",
				Targets: []Target{
					{Model: "openai/gpt-4o-mini"},
					{Model: "anthropic/claude-haiku-4-5", Params: map[string]any{"temperature": 0.2}},
					{Router: "cheap"},
				},
				Retry: &Retry{MaxRetries: ptr(2), InitialBackoff: Duration(250 * time.Millisecond),
					MaxBackoff: Duration(8 * time.Second), MaxRetryAfter: Duration(20 * time.Second)},
				MaxAttempts:    6,
				Timeout:        Duration(120 * time.Second),
				AttemptTimeout: Duration(30 * time.Second),
				OnStatus:       map[string]string{"408": "next", "400": "fail", "429": "retry"},
			},
			"cheap": {
				Strategy:   "cost",
				MaxCostUSD: 0.01,
				Targets:    []Target{{Model: "groq/llama-3.1-8b-instant"}, {Model: "demo/chat", Name: "demo"}},
			},
			"ab": {
				Strategy: "percentage",
				Sticky:   "user",
				Targets: []Target{
					{Model: "openai/gpt-4o-mini", Weight: 70},
					{Model: "gemini/gemini-2.5-flash", Weight: 30, Region: "europe-west1"},
				},
			},
			"fast": {
				Strategy: "optimized", Metric: "latency", Window: Duration(15 * time.Minute), MinSamples: 20, Explore: ptr(0.05),
				Targets: []Target{
					{Model: "openai/gpt-4o-mini"},
					{Weight: 2, Name: "pool", Inline: &Router{Strategy: "round_robin", Targets: []Target{
						{Model: "bedrock-us/anthropic.claude-3-haiku"}, {Model: "groq/llama-3.1-8b-instant"},
					}}},
				},
			},
			"tiered": {
				Strategy: "conditional",
				Routes: []Route{
					{
						Name: "premium",
						When: map[string]any{
							"metadata.tier":        map[string]any{"$in": []any{"premium", "enterprise"}},
							"request.input_tokens": map[string]any{"$gt": 8000.0},
						},
						Targets: []Target{{Model: "anthropic/claude-sonnet-4-5"}, {Router: "default"}},
					},
					{Name: "everyone", When: map[string]any{}, Targets: []Target{{Router: "cheap"}}},
				},
				Default: []Target{{Model: "demo/chat"}},
			},
		},
		Budgets: []Budget{
			{Name: "monthly", Scope: "global", LimitUSD: 500, Period: "month", OnExceed: "reject"},
			{Name: "team-a", Scope: "key:team-a", LimitUSD: 20, Period: "day", OnExceed: "reroute:cheap", OnStoreError: "reject"},
			{Name: "per-router", Scope: "router:ab", LimitUSD: 5, Period: "hour", OnStoreError: "allow"},
		},
		Keys: []Key{{Name: "team-a", SHA256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
			Routers: []string{"default", "ab", "direct"}, AllowInline: ptr(false)}},
		AdminKeys: []Key{{Name: "ops", SHA256: "60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752"}},
	}
}

func TestParseValid(t *testing.T) {
	asStack(t)
	for _, file := range []string{"valid.yaml", "valid.json"} {
		t.Run(file, func(t *testing.T) {
			cfg, err := ParseFile(filepath.Join("testdata", file))
			if err != nil {
				t.Fatalf("ParseFile: %v", err)
			}
			if want := wantValid(); !reflect.DeepEqual(cfg, want) {
				t.Errorf("config differs from wantValid:\n got  %+v\n want %+v", cfg, want)
				for name := range want.Routers {
					if !reflect.DeepEqual(cfg.Routers[name], want.Routers[name]) {
						t.Errorf("routers.%s:\n got  %+v\n want %+v", name, cfg.Routers[name], want.Routers[name])
					}
				}
			}
		})
	}
}

func TestParseDocumentErrors(t *testing.T) {
	tests := []struct {
		name, doc, want string
	}{
		{"empty", "", "config is empty"},
		{"only whitespace and comments", "  \n\t\n", "config is empty"},
		{"invalid yaml", "providers: {openai: [\n", "not valid YAML or JSON"},
		{"invalid json", `{"providers": {"openai": }`, "not valid YAML or JSON"},
		{"duplicate key", "routers: {}\nrouters: {}\n", "not valid YAML or JSON"},
		{"top level list", "- a\n- b\n", "config must be a map at the top level"},
		{"top level scalar", "hello", "config must be a map at the top level"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.doc))
			var errs Errors
			if !errors.As(err, &errs) || len(errs) != 1 {
				t.Fatalf("Parse error = %v, want one config.Errors entry", err)
			}
			if errs[0].Path != "" || !strings.Contains(errs[0].Msg, tt.want) {
				t.Errorf("error = %q, want no path and a message containing %q", errs[0].Error(), tt.want)
			}
		})
	}
}

func TestParseFileMissing(t *testing.T) {
	_, err := ParseFile(filepath.Join(t.TempDir(), "nope.yaml"))
	if !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("ParseFile of a missing file = %v, want an error wrapping os.ErrNotExist", err)
	}
	if !strings.HasPrefix(err.Error(), "read config: ") {
		t.Errorf("error %q should say it failed to read the config", err)
	}
}

// TestDocumentRoundTrip checks that config pull (Document) gives back a
// document that decodes to the same config, inline routers included.
func TestDocumentRoundTrip(t *testing.T) {
	asStack(t)
	for _, file := range []string{"valid.yaml", "roundtrip.yaml"} {
		t.Run(file, func(t *testing.T) {
			cfg, err := ParseFile(filepath.Join("testdata", file))
			if err != nil {
				t.Fatalf("ParseFile: %v", err)
			}
			doc, err := cfg.Document()
			if err != nil {
				t.Fatalf("Document: %v", err)
			}
			again, err := FromDocument(doc)
			if err != nil {
				t.Fatalf("FromDocument(Document()): %v\ndocument: %v", err, doc)
			}
			if !reflect.DeepEqual(again, cfg) {
				t.Errorf("round trip changed the config:\n before %+v\n after  %+v", cfg, again)
				for name := range cfg.Routers {
					if !reflect.DeepEqual(again.Routers[name], cfg.Routers[name]) {
						t.Errorf("routers.%s:\n before %+v\n after  %+v", name, cfg.Routers[name], again.Routers[name])
					}
				}
			}
		})
	}
}

// TestDocumentInlineTarget pins the shape an inline router target takes in
// the document: the router map itself, with the target's weight, name and
// region beside strategy and targets.
func TestDocumentInlineTarget(t *testing.T) {
	asStack(t)
	cfg, err := ParseFile(filepath.Join("testdata", "valid.yaml"))
	if err != nil {
		t.Fatalf("ParseFile: %v", err)
	}
	doc, err := cfg.Document()
	if err != nil {
		t.Fatalf("Document: %v", err)
	}
	fast := doc["routers"].(map[string]any)["fast"].(map[string]any)
	inline := fast["targets"].([]any)[1].(map[string]any)
	want := map[string]any{
		"strategy": "round_robin",
		"weight":   2.0,
		"name":     "pool",
		"targets": []any{
			map[string]any{"model": "bedrock-us/anthropic.claude-3-haiku"},
			map[string]any{"model": "groq/llama-3.1-8b-instant"},
		},
	}
	if !reflect.DeepEqual(inline, want) {
		t.Errorf("inline target in document = %#v, want %#v", inline, want)
	}
}

// TestDecodeSection covers decoding one record (admin API, DynamoDB) with
// the same strictness and paths as a whole document.
func TestDecodeSection(t *testing.T) {
	t.Run("provider", func(t *testing.T) {
		var p Provider
		if err := DecodeSection(map[string]any{"type": "mock", "latency": "5ms", "fail_rate": 0.5}, &p, "providers.m"); err != nil {
			t.Fatalf("DecodeSection: %v", err)
		}
		if want := (Provider{Type: "mock", Latency: Duration(5 * time.Millisecond), FailRate: 0.5}); !reflect.DeepEqual(p, want) {
			t.Errorf("provider = %+v, want %+v", p, want)
		}
	})
	t.Run("router with errors", func(t *testing.T) {
		var r Router
		err := DecodeSection(map[any]any{"strategy": "fallback", "targets": []any{"p/x", map[string]any{"model": "p/y", "top_k": 3}}, "timeout": "soon"}, &r, "routers.r")
		checkErrors(t, err, []wantErr{
			{"routers.r.targets[1].top_k", "request params go under params"},
			{"routers.r.timeout", `invalid duration "soon"`},
		})
	})
	t.Run("budget of the wrong shape", func(t *testing.T) {
		var b Budget
		checkErrors(t, DecodeSection([]any{"monthly"}, &b, "budgets[0]"), []wantErr{{"budgets[0]", "must be a map, not a list"}})
	})
}

func TestErrorsFormat(t *testing.T) {
	errs := Errors{
		{Path: "routers.ab.targets[1].weight", Msg: "must be > 0"},
		{Msg: "config is empty"},
	}
	if got, want := errs.Error(), "routers.ab.targets[1].weight: must be > 0\nconfig is empty"; got != want {
		t.Errorf("Errors.Error() = %q, want %q", got, want)
	}
	var err error = errs
	var fe Errors
	if !errors.As(err, &fe) || len(fe) != 2 {
		t.Errorf("errors.As(Errors) = %v", fe)
	}
}

// TestMarshalYAML checks the YAML encoding of a Config (durations as
// "250ms", inline router targets as router maps) parses back to the same
// config.
func TestMarshalYAML(t *testing.T) {
	asStack(t)
	cfg, err := ParseFile(filepath.Join("testdata", "valid.yaml"))
	if err != nil {
		t.Fatalf("ParseFile: %v", err)
	}
	b, err := yaml.Marshal(cfg)
	if err != nil {
		t.Fatalf("yaml.Marshal: %v", err)
	}
	if !strings.Contains(string(b), "initial_backoff: 250ms") {
		t.Errorf("durations should be written as Go durations:\n%s", b)
	}
	again, err := Parse(b)
	if err != nil {
		t.Fatalf("Parse(yaml.Marshal(cfg)): %v\n%s", err, b)
	}
	if !reflect.DeepEqual(again, cfg) {
		t.Errorf("yaml round trip changed the config:\n%s", b)
	}
}

func TestDurationJSON(t *testing.T) {
	b, err := json.Marshal(struct{ D Duration }{Duration(1500 * time.Millisecond)})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(b), `{"D":"1.5s"}`; got != want {
		t.Errorf("json = %s, want %s", got, want)
	}
}
