package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/switchyard-llm/switchyard/internal/config"
	"github.com/switchyard-llm/switchyard/internal/configsource"
	"github.com/switchyard-llm/switchyard/internal/store/dynamo"
)

const keysUsage = `usage:
  gateway keys create NAME [--routers a,b] [--models 'openai/*,anthropic/claude-*'] [--rpm N] [--tpm N]
                           [--max-concurrent N] [--expires 2027-01-31T00:00:00Z]
  gateway keys rotate NAME
  gateway keys disable NAME | gateway keys enable NAME`

// keysCmd mints and manages caller keys. With the DynamoDB tables
// configured it changes the key record in the config table (validated
// against the whole config; instances pick it up at their next refresh);
// without them, create and rotate print the token and the sha256 line to
// put in the config file. The token is printed once and stored nowhere.
func keysCmd(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) < 2 {
		return errors.New(keysUsage)
	}
	action, name := args[0], args[1]
	if err := config.CheckName(name); err != nil {
		return fmt.Errorf("key name: %w", err)
	}
	fs := flag.NewFlagSet("keys "+action, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	routers := fs.String("routers", "", "comma-separated routers the key may use (default all)")
	models := fs.String("models", "", "comma-separated provider/model globs the key may be served by (default all)")
	rpm := fs.Int64("rpm", 0, "requests_per_minute")
	tpm := fs.Int64("tpm", 0, "tokens_per_minute")
	conc := fs.Int64("max-concurrent", 0, "max_concurrent")
	expires := fs.String("expires", "", "expires_at (RFC 3339)")
	if err := fs.Parse(args[2:]); err != nil {
		return fmt.Errorf("%v\n%s", err, keysUsage)
	}
	if *expires != "" {
		if _, err := time.Parse(time.RFC3339, *expires); err != nil {
			return fmt.Errorf("--expires must be RFC 3339 (2027-01-31T00:00:00Z): %v", err)
		}
	}
	var token, sum string
	var edit func(doc map[string]any) (map[string]any, error)
	switch action {
	case "create", "rotate":
		var err error
		if token, sum, err = config.MintToken(); err != nil {
			return err
		}
	}
	switch action {
	case "create":
		edit = func(doc map[string]any) (map[string]any, error) {
			if doc != nil {
				return nil, fmt.Errorf("key %q exists: rotate its token instead", name)
			}
			return newKeyDoc(name, sum, *routers, *models, *expires, *rpm, *tpm, *conc), nil
		}
	case "rotate":
		edit = existing(name, func(doc map[string]any) { doc["sha256"] = sum })
	case "disable":
		edit = existing(name, func(doc map[string]any) { doc["disabled"] = true })
	case "enable":
		edit = existing(name, func(doc map[string]any) { delete(doc, "disabled") })
	default:
		return fmt.Errorf("unknown keys command %q\n%s", action, keysUsage)
	}
	if !dynamoConfigured() {
		return printKey(stdout, action, name, token, sum, newKeyDoc(name, sum, *routers, *models, *expires, *rpm, *tpm, *conc))
	}
	st, err := dynamo.NewFromEnv(ctx)
	if err != nil {
		return err
	}
	if err := configsource.EditKey(ctx, st, name, edit); err != nil {
		return err
	}
	switch action {
	case "create", "rotate":
		fmt.Fprintf(stdout, "key %s %sd; its token (shown once, only its sha256 is stored):\n%s\n", name, action, token)
	default:
		fmt.Fprintf(stdout, "key %s %sd\n", name, action)
	}
	return nil
}

// existing edits a key that must exist.
func existing(name string, f func(doc map[string]any)) func(map[string]any) (map[string]any, error) {
	return func(doc map[string]any) (map[string]any, error) {
		if doc == nil {
			return nil, fmt.Errorf("no key %q", name)
		}
		f(doc)
		return doc, nil
	}
}

func newKeyDoc(name, sum, routers, models, expires string, rpm, tpm, conc int64) map[string]any {
	doc := map[string]any{"name": name, "sha256": sum}
	if routers != "" {
		doc["routers"] = splitList(routers)
	}
	if models != "" {
		doc["models"] = splitList(models)
	}
	if expires != "" {
		doc["expires_at"] = expires
	}
	limits := map[string]any{}
	for k, v := range map[string]int64{"requests_per_minute": rpm, "tokens_per_minute": tpm, "max_concurrent": conc} {
		if v != 0 {
			limits[k] = v
		}
	}
	if len(limits) > 0 {
		doc["limits"] = limits
	}
	return doc
}

func splitList(s string) []any {
	var out []any
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// printKey is keys without a config table: the token, and what to put in
// the config file.
func printKey(w io.Writer, action, name, token, sum string, doc map[string]any) error {
	switch action {
	case "create":
		fmt.Fprintf(w, "token (shown once; only its sha256 goes in the config):\n%s\n\nadd this entry to the keys section of your config:\n", token)
		return writeYAML(w, map[string]any{"keys": []any{doc}})
	case "rotate":
		fmt.Fprintf(w, "token (shown once):\n%s\n\nset key %s's sha256 in your config to:\n%s\n", token, name, sum)
		return nil
	}
	return fmt.Errorf("keys %s needs the config table (SWITCHYARD_CONFIG_TABLE...); in a config file, set disabled: true on key %s", action, name)
}
