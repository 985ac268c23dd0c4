package pricing

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

func TestNewerVersion(t *testing.T) {
	tests := []struct {
		rest string
		want bool
	}{
		{"9", true},                // claude-opus-4-9 after claude-opus-4
		{"1-20250805", true},       // claude-opus-4-1-20250805
		{"7-v1:0", true},           // anthropic.claude-opus-4-7-v1:0
		{"6-v1", true},             // anthropic.claude-opus-4-6-v1
		{"9@20270101", true},       // a newer version on Vertex
		{"10", true},               // two digits
		{"5-latest", true},         // claude-haiku-4-5-latest after claude-haiku-4
		{"0", false},               // claude-opus-4-0 is Opus 4
		{"00", false},              // likewise
		{"20250514", false},        // a dated snapshot
		{"2024-08-06", false},      // gpt-4o-2024-08-06
		{"09-2025", false},         // a dated preview after a -preview key
		{"05-20", false},           // likewise
		{"001", false},             // gemini-2.0-flash-001
		{"v1:0", false},            // a Bedrock version
		{"1:0", false},             // openai.gpt-oss-120b-1:0
		{"latest", false},          // claude-3-7-sonnet-latest
		{"preview-09-2025", false}, // gemini-2.5-flash-preview-09-2025
		{"", false},
	}
	for _, tt := range tests {
		if got := newerVersion(tt.rest); got != tt.want {
			t.Errorf("newerVersion(%q) = %v, want %v", tt.rest, got, tt.want)
		}
	}
}

// claudeTwinExceptions lists Claude models whose Bedrock price differs from
// Anthropic's in a cache field, and why. Input and output must always match.
var claudeTwinExceptions = map[string]string{
	"claude-3-haiku": "no prompt caching on Bedrock",
}

// claudeWithoutBedrockTwin lists Claude models the catalog prices on
// Anthropic's API but not on Bedrock, and why. Their Bedrock ids must then
// be unknown, not priced as an older family.
var claudeWithoutBedrockTwin = map[string]string{
	"claude-fable-5-2": "no source shows Fable 5.2 on Bedrock yet (audit of 2026-11-26)",
}

// TestBedrockClaudeTwins: every Claude model priced for the Anthropic API
// has a Bedrock twin at the same price, reached by every form of its
// Bedrock id. Without the twin, anthropic.claude-opus-4-6-v1 fell back to
// anthropic.claude-opus-4 at $15/$75 instead of $5/$25.
func TestBedrockClaudeTwins(t *testing.T) {
	c := Default()
	for key, want := range c.prices["anthropic"] {
		if !strings.HasPrefix(key, "claude-") {
			continue
		}
		twin := "anthropic." + key
		t.Run(key, func(t *testing.T) {
			got, ok := c.prices["bedrock"][twin]
			if why, none := claudeWithoutBedrockTwin[key]; none {
				if ok {
					t.Fatalf("bedrock now has %s; drop it from claudeWithoutBedrockTwin (%s)", twin, why)
				}
				for _, id := range bedrockIDForms(twin) {
					if p, priced := c.Lookup("bedrock", "bedrock", id); priced {
						k, _ := c.builtinKey("bedrock", normalize("bedrock", id))
						t.Errorf("Lookup(bedrock, %s) = %+v from %s; want unknown (%s)", id, p, k, why)
					}
				}
				return
			}
			if !ok {
				t.Fatalf("bedrock has no %s: Bedrock ids of %s fall back to an older family or go unpriced", twin, key)
			}
			if got.InputPerMTok != want.InputPerMTok || got.OutputPerMTok != want.OutputPerMTok {
				t.Errorf("bedrock %s = $%v/$%v per MTok, anthropic %s = $%v/$%v",
					twin, got.InputPerMTok, got.OutputPerMTok, key, want.InputPerMTok, want.OutputPerMTok)
			}
			if _, excepted := claudeTwinExceptions[key]; !excepted &&
				(got.CachedInputPerMTok != want.CachedInputPerMTok || got.CacheWritePerMTok != want.CacheWritePerMTok) {
				t.Errorf("bedrock %s cache read/write = %v/%v, anthropic %s = %v/%v",
					twin, got.CachedInputPerMTok, got.CacheWritePerMTok, key, want.CachedInputPerMTok, want.CacheWritePerMTok)
			}
			for _, id := range bedrockIDForms(twin) {
				if p, ok := c.Lookup("bedrock", "bedrock", id); !ok || p != got {
					t.Errorf("Lookup(bedrock, %s) = %+v, %v; want the %s price %+v", id, p, ok, twin, got)
				}
			}
		})
	}
}

// bedrockIDForms returns the ways a Bedrock model id is written: bare,
// versioned, dated, under each cross-region prefix, and as ARNs.
func bedrockIDForms(id string) []string {
	ids := []string{id, id + "-v1", id + "-v1:0", id + "-20270101-v1:0", id + "-v2:0"}
	for _, region := range sortedRegionPrefixes() {
		ids = append(ids, region+"."+id, region+"."+id+"-v1:0")
	}
	return append(ids, "arn:aws:bedrock:us-east-1:123456789012:inference-profile/global."+id+"-v1:0",
		"arn:aws:bedrock:us-west-2::foundation-model/"+id+"-v1:0")
}

func sortedRegionPrefixes() []string {
	var r []string
	for p := range bedrockRegionPrefixes {
		r = append(r, p)
	}
	sort.Strings(r)
	return r
}

// TestNewerFamilyNeverInheritsOlderPrice probes, for every catalog key that
// ends in a version number, the minor versions the catalog does not list
// (claude-opus-4-9, claude-haiku-4-6, anthropic.claude-opus-4-2-v1:0) in
// every id form: each must be unknown, never priced as the older family.
func TestNewerFamilyNeverInheritsOlderPrice(t *testing.T) {
	c := Default()
	for typ, models := range c.prices {
		for key := range models {
			for _, probe := range versionProbes(key) {
				if _, listed := models[probe]; listed {
					continue
				}
				forms := []string{probe, probe + "-20270101", probe + "@20270101", probe + "-latest"}
				if typ == "bedrock" {
					forms = append(forms, probe+"-v1", probe+"-v1:0", "us."+probe+"-v1:0", "global."+probe+"-20270101-v1:0")
				}
				for _, id := range forms {
					if got, ok := c.Lookup(typ, typ, id); ok {
						k, _ := c.builtinKey(typ, normalize(typ, id))
						t.Errorf("Lookup(%s, %s) = %+v from %s; a newer version must be listed, not priced as an older family",
							typ, id, got, k)
					}
				}
			}
		}
	}
}

// versionProbes returns the unlisted neighbours of a key whose last
// component is a 1-2 digit version: the next three minor versions
// (claude-opus-4-8 -> -9, -10, -11) and the first nine minors under it
// (claude-opus-4 -> claude-opus-4-1 ... -9). Keys holding a date
// (gpt-4o-2024-05-13) have none.
func versionProbes(key string) []string {
	parts := strings.Split(key, "-")
	for _, p := range parts {
		if len(p) >= 4 && digits(p) == len(p) {
			return nil
		}
	}
	last := parts[len(parts)-1]
	if n := digits(last); n == 0 || n != len(last) || n > 2 {
		return nil
	}
	v, _ := strconv.Atoi(last)
	base := strings.TrimSuffix(key, last)
	var probes []string
	for d := 1; d <= 3; d++ {
		probes = append(probes, base+strconv.Itoa(v+d))
	}
	for m := 1; m <= 9; m++ {
		probes = append(probes, key+"-"+strconv.Itoa(m))
	}
	return probes
}

// Model ids as the repo's examples, docs and fixtures write them, by the
// provider type whose table prices them. A match is taken only where the
// preceding character cannot be part of an id, so the claude- inside
// anthropic.claude-... is not read as an Anthropic API id.
var repoModelID = []struct {
	typ string
	re  *regexp.Regexp
}{
	{"bedrock", regexp.MustCompile(`(?:^|[^A-Za-z0-9._+-])((?:(?:us|us-gov|eu|apac|jp|au|ca|global)\.)?(?:anthropic|amazon|meta|openai|mistral|cohere|ai21|deepseek|qwen)\.[a-z0-9]+-[a-z0-9.:-]*[a-z0-9])`)},
	{"anthropic", regexp.MustCompile(`(?:^|[^A-Za-z0-9._+-])(claude-[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?(?:@[0-9]{8})?)`)},
	{"gemini", regexp.MustCompile(`(?:^|[^A-Za-z0-9._+-])(gemini-[0-9](?:[a-z0-9.-]*[a-z0-9])?)`)},
	{"openai", regexp.MustCompile(`(?:^|[^A-Za-z0-9._+-])(gpt-[0-9](?:[a-z0-9.-]*[a-z0-9])?|o[1-9](?:-[a-z]+)*(?:-[0-9]{4}-[0-9]{2}-[0-9]{2})?)(?:[^a-z0-9.-]|$)`)},
}

// unpricedRepoModels are ids the repo names that the catalog deliberately
// does not price, and why.
var unpricedRepoModels = map[string]string{
	"claude-nonexistent-1": "a not-found error fixture",
	"claude-code-20250219": "an anthropic-beta value Claude Code sends (testdata/messages), not a model",
	"gemini-9-ultra":       "a not-found error fixture",
	"gpt-3.5-turbo":        "a legacy model in a vLLora import fixture; not in the catalog",
	"claude-haiku":         "docs/config.md's models glob anthropic/claude-haiku-* (a prefix, not a model)",
	"gpt-4":                "a legacy model in vLLora's own routing examples (testdata/vllora, kept verbatim)",
	"claude-3-opus":        "a retired model in vLLora's own routing examples (testdata/vllora, kept verbatim)",
	"claude-4-opus":        "an id spelled as vLLora's examples spell it (testdata/vllora, kept verbatim); Anthropic's is claude-opus-4",
	// docs/pricing.md's examples of what the lookup refuses.
	"claude-opus-4-9":            "docs example of an unlisted newer version",
	"gemini-3-pro-image-preview": "docs example of an unlisted tier",
	"gemini-3.5-flash-lite":      "listed as unpriced: only a reseller gives its price",
	"gpt-5.4-pro":                "listed as unpriced: price and limits unsourced",
}

// tierWords name a tier or modality that a family key does not price: an id
// resolving to a key followed by one of them (gpt-5-pro to gpt-5,
// gemini-3-pro-image-preview to gemini-3-pro) is another model.
var tierWords = map[string]bool{
	"pro": true, "mini": true, "nano": true, "lite": true, "flash": true, "image": true,
	"max": true, "ultra": true, "premier": true, "micro": true, "turbo": true,
	"fable": true, "astra": true, "sol": true, "terra": true, "luna": true, "fast": true,
	"large": true, "small": true, "medium": true, "opus": true, "sonnet": true, "haiku": true,
	"audio": true, "realtime": true, "tts": true, "live": true,
}

// TestRepoModelIDsResolveToOwnFamily reads every model id in examples/,
// docs/ and internal/**/testdata and checks that the catalog prices it, and
// prices it as its own family: an exact key, or a key followed only by a
// snapshot (a date, -latest, -v1:0, -preview), never by a newer version or
// another tier. gemini-3-pro-preview in the Gemini fixtures went unpriced
// before this test.
func TestRepoModelIDsResolveToOwnFamily(t *testing.T) {
	ids := repoModelIDs(t)
	if len(ids["anthropic"]) == 0 || len(ids["bedrock"]) == 0 || len(ids["gemini"]) == 0 || len(ids["openai"]) == 0 {
		t.Fatalf("found too few model ids (%d types); has the layout of the repo changed?", len(ids))
	}
	c := Default()
	for typ, found := range ids {
		for id, file := range found {
			t.Run(typ+"/"+id, func(t *testing.T) {
				if why, ok := unpricedRepoModels[id]; ok {
					if _, priced := c.Lookup(typ, typ, id); priced {
						t.Errorf("%s (%s) is now priced; drop it from unpricedRepoModels (%s)", id, file, why)
					}
					return
				}
				name := normalize(typ, id)
				key, ok := c.builtinKey(typ, name)
				if !ok {
					t.Fatalf("%s (in %s) has no %s price: list its family in catalog.yaml", id, file, typ)
				}
				if name == key {
					return
				}
				rest := name[len(key)+1:]
				if first := rest[:len(rest)-len(strings.TrimLeft(rest, "abcdefghijklmnopqrstuvwxyz"))]; tierWords[first] {
					t.Errorf("%s (in %s) is priced as %s, another tier: list it in catalog.yaml", id, file, key)
				}
				if newerVersion(rest) {
					t.Errorf("%s (in %s) is priced as %s, an older version", id, file, key)
				}
			})
		}
	}
}

// repoModelIDs maps provider type -> model id -> a file naming it.
func repoModelIDs(t *testing.T) map[string]map[string]string {
	t.Helper()
	root := filepath.Join("..", "..")
	var files []string
	for _, dir := range []string{"examples", "docs"} {
		files = append(files, walkFiles(t, filepath.Join(root, dir))...)
	}
	err := filepath.WalkDir(filepath.Join(root, "internal"), func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == "testdata" {
			files = append(files, walkFiles(t, path)...)
			return fs.SkipDir
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]map[string]string{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.IndexByte(b, 0) >= 0 {
			continue // binary (a screenshot): its bytes can spell anything
		}
		rel, _ := filepath.Rel(root, f)
		for _, m := range repoModelID {
			for _, sub := range m.re.FindAllSubmatch(b, -1) {
				id := string(sub[1])
				if ids[m.typ] == nil {
					ids[m.typ] = map[string]string{}
				}
				if _, seen := ids[m.typ][id]; !seen {
					ids[m.typ][id] = rel
				}
			}
		}
	}
	return ids
}

func walkFiles(t *testing.T, dir string) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}
