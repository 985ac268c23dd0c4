package cli

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/switchyard-llm/switchyard/internal/config"
)

// TestKeysCreateWithoutTable: with no config table, `gateway keys create`
// prints a fresh token once and the keys: entry holding only its sha256,
// limits and models included, which validates as config.
func TestKeysCreateWithoutTable(t *testing.T) {
	t.Setenv("SWITCHYARD_CONFIG_TABLE", "")
	var out, errb bytes.Buffer
	code := Main(context.Background(), []string{"keys", "create", "team-a", "--rpm", "60", "--tpm", "90000", "--max-concurrent", "4",
		"--models", "openai/*, anthropic/claude-*", "--expires", "2027-01-31T00:00:00Z"}, &out, &errb)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	text := out.String()
	lines := strings.Split(text, "\n")
	token := lines[1]
	if !strings.HasPrefix(token, config.TokenPrefix) {
		t.Fatalf("no token on line 2: %q", text)
	}
	yml := text[strings.Index(text, "\nkeys:")+1:]
	if strings.Contains(yml, token) {
		t.Fatalf("the config entry holds the token itself:\n%s", yml)
	}
	cfg, err := config.Parse([]byte("providers: {openai: {type: mock}}\n" + yml))
	if err != nil {
		t.Fatalf("printed entry does not validate: %v\n%s", err, yml)
	}
	k := cfg.Keys[0]
	sum := sha256.Sum256([]byte(token))
	if k.Name != "team-a" || k.SHA256 != hex.EncodeToString(sum[:]) || k.Limits == nil || k.Limits.RequestsPerMinute != 60 ||
		k.Limits.TokensPerMinute != 90000 || k.Limits.MaxConcurrent != 4 || len(k.Models) != 2 || k.ExpiresAt != "2027-01-31T00:00:00Z" {
		t.Errorf("key %+v (limits %+v)", k, k.Limits)
	}
	// Each call mints a new token.
	out.Reset()
	if Main(context.Background(), []string{"keys", "create", "team-a"}, &out, &errb) != 0 || strings.Contains(out.String(), token) {
		t.Errorf("second create reused the token or failed: %s %s", out.String(), errb.String())
	}
	if Main(context.Background(), []string{"keys", "disable", "team-a"}, &out, &errb) != 1 {
		t.Errorf("disable without a config table should fail and say how")
	}
}
