package config

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"
)

// NamePattern is the one pattern every config name follows: routers,
// providers, budgets, keys and admin keys, and the provider half of a
// `models` key. 1–64 ASCII letters, digits, '.', '_', ':' and '-',
// starting with a letter or digit. Names end up in URL path segments
// (the admin API), metric subjects ('/' and '|' separate their parts),
// DynamoDB sort keys ('#' joins budget periods), logs and headers, so
// nothing that would need escaping in any of them is allowed.
const NamePattern = `^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$`

// ModelIDPattern is the model half of a `models` key (provider/model):
// 1–256 ASCII characters of provider model ids as they are spelled
// upstream (`us.anthropic.claude-3-5-haiku-20241022-v1:0`,
// `meta-llama/Llama-3.3-70B-Instruct`, `@cf/meta/llama-3-8b-instruct`):
// letters, digits and `. _ : / @ + -`, starting with a letter, digit or '@'.
const ModelIDPattern = `^[A-Za-z0-9@][A-Za-z0-9._:/@+-]{0,255}$`

var (
	nameRE    = regexp.MustCompile(NamePattern)
	modelIDRE = regexp.MustCompile(ModelIDPattern)
)

// CheckName reports whether name follows NamePattern, with an error that
// says why not without echoing a long or binary name back.
func CheckName(name string) error {
	if nameRE.MatchString(name) {
		return nil
	}
	return fmt.Errorf("name %s does not match %s (1-64 letters, digits, '.', '_', ':' or '-', starting with a letter or digit)%s",
		DisplayName(name), NamePattern, nameFault(name, 64))
}

// CheckModelKey checks a `models` key: provider/model, the provider a
// name (NamePattern), the model a provider model id (ModelIDPattern).
func CheckModelKey(key string) error {
	prov, model, ok := strings.Cut(key, "/")
	if !ok || model == "" {
		return fmt.Errorf("model overrides are keyed provider/model, not %s", DisplayName(key))
	}
	if !nameRE.MatchString(prov) {
		return fmt.Errorf("provider %s of %s does not match %s%s", DisplayName(prov), DisplayName(key), NamePattern, nameFault(prov, 64))
	}
	if !modelIDRE.MatchString(model) {
		return fmt.Errorf("model %s of %s does not match %s%s", DisplayName(model), DisplayName(key), ModelIDPattern, nameFault(model, 256))
	}
	return nil
}

// displayMax bounds how much of a refused name an error repeats.
const displayMax = 40

// DisplayName quotes name for an error message: escaped (%q, so NUL or
// invalid UTF-8 show as escapes) and cut to its first 40 characters.
func DisplayName(name string) string {
	if len(name) <= displayMax {
		return fmt.Sprintf("%q", name)
	}
	return fmt.Sprintf("%q… (%d bytes)", name[:displayMax], len(name))
}

// PathName is name as it appears in an error path: as is when it is
// short printable ASCII, else as DisplayName shows it.
func PathName(name string) string {
	if len(name) > 256 {
		return DisplayName(name)
	}
	for i := 0; i < len(name); i++ {
		if name[i] < 0x20 || name[i] >= 0x7f {
			return DisplayName(name)
		}
	}
	return name
}

// nameFault names the most likely thing wrong, for the common mistakes.
func nameFault(name string, max int) string {
	switch {
	case name == "":
		return ": it is empty"
	case len(name) > max:
		return fmt.Sprintf(": it is %d bytes long", len(name))
	case !utf8.ValidString(name):
		return ": it is not valid UTF-8"
	case strings.ContainsRune(name, 0):
		return ": it contains a NUL byte"
	}
	return ""
}
