package config

import (
	"errors"
	"strings"
	"testing"
)

// TestNamesFollowOnePattern: every kind of config name (routers,
// providers, budgets, keys, admin keys, the provider half of a models key)
// refuses the same hostile names — a NUL byte, 10,000 characters, invalid
// UTF-8, a separator — with an error that names the pattern and does not
// echo the name back whole; names in use in the examples pass.
func TestNamesFollowOnePattern(t *testing.T) {
	hostile := []struct {
		name, value, fault string
	}{
		{"NUL byte", "ops\x00admin", "contains a NUL byte"},
		{"10,000 characters", strings.Repeat("a", 10_000), "10000 bytes long"},
		{"invalid UTF-8", "caf\xe9", "not valid UTF-8"},
		{"non-ASCII", "café", ""},
		{"slash", "a/b", ""},
		{"leading dot", ".hidden", ""},
		{"empty", "", ""},
	}
	// doc builds a valid document with name in one place.
	sections := []struct {
		section string
		doc     func(name string) map[string]any
		path    func(name string) string
	}{
		{"routers", func(n string) map[string]any {
			return base(map[string]any{"routers": map[string]any{n: fallback()}})
		}, func(n string) string { return "routers." + PathName(n) }},
		{"providers", func(n string) map[string]any {
			return map[string]any{"providers": map[string]any{n: map[string]any{"type": "mock"}}}
		}, func(n string) string { return "providers." + PathName(n) }},
		{"budgets", func(n string) map[string]any {
			return base(map[string]any{"budgets": []any{map[string]any{"name": n, "scope": "global", "limit_usd": 1, "period": "day"}}})
		}, func(string) string { return "budgets[0].name" }},
		{"keys", func(n string) map[string]any {
			return base(map[string]any{"keys": []any{map[string]any{"name": n, "sha256": hexKey}}})
		}, func(string) string { return "keys[0].name" }},
		{"admin_keys", func(n string) map[string]any {
			return base(map[string]any{"admin_keys": []any{map[string]any{"name": n, "sha256": hexKey}}})
		}, func(string) string { return "admin_keys[0].name" }},
		{"models (provider half)", func(n string) map[string]any {
			return base(map[string]any{"models": map[string]any{n + "/x": map[string]any{"input_per_mtok": 1}}})
		}, func(n string) string { return "models." + PathName(n+"/x") }},
	}
	for _, s := range sections {
		for _, h := range hostile {
			if h.name == "empty" && (s.section == "budgets" || strings.Contains(s.section, "keys")) {
				continue // "is required", checked elsewhere
			}
			if h.name == "slash" && strings.HasPrefix(s.section, "models") {
				continue // a/b/x is provider a, model b/x
			}
			t.Run(s.section+"/"+h.name, func(t *testing.T) {
				_, err := FromDocument(s.doc(h.value))
				var errs Errors
				if !errors.As(err, &errs) {
					t.Fatalf("accepted (err %v)", err)
				}
				var found *FieldError
				for i := range errs {
					if errs[i].Path == s.path(h.value) {
						found = &errs[i]
					}
				}
				if found == nil {
					t.Fatalf("no error at %q; got %v", s.path(h.value), err)
				}
				if !strings.Contains(found.Msg, NamePattern) || !strings.Contains(found.Msg, h.fault) {
					t.Errorf("message %q should name the pattern and %q", found.Msg, h.fault)
				}
				if len(err.Error()) > 1000 {
					t.Errorf("the error repeats the name: %d bytes", len(err.Error()))
				}
			})
		}
	}

	t.Run("names in use pass", func(t *testing.T) {
		for _, n := range []string{"default", "fb", "ab", "team-a", "bedrock-us", "gpt4o.mini", "tier_1", "v2:beta", "A1", strings.Repeat("x", 64)} {
			if err := CheckName(n); err != nil {
				t.Errorf("%q: %v", n, err)
			}
		}
		if err := CheckName(strings.Repeat("x", 65)); err == nil {
			t.Error("a 65-character name passes")
		}
		for _, k := range []string{"openai/gpt-4o-mini", "bedrock-us/us.anthropic.claude-3-5-haiku-20241022-v1:0",
			"groq/meta-llama/llama-4-scout-17b-16e-instruct", "cf/@cf/meta/llama-3-8b-instruct", "ollama/llama3.1:8b"} {
			if err := CheckModelKey(k); err != nil {
				t.Errorf("%q: %v", k, err)
			}
		}
		for _, k := range []string{"p/x\x00", "p/" + strings.Repeat("m", 257), "p/caf\xe9", "p/a b", "p/a|b"} {
			if err := CheckModelKey(k); err == nil {
				t.Errorf("model key %q passes", k)
			}
		}
	})
}

// base adds a mock provider p to doc.
func base(doc map[string]any) map[string]any {
	doc["providers"] = map[string]any{"p": map[string]any{"type": "mock"}}
	return doc
}

func fallback() map[string]any {
	return map[string]any{"strategy": "fallback", "targets": []any{map[string]any{"model": "p/x"}}}
}
