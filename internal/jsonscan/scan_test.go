package jsonscan

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var validCases = []string{
	``, ` `, `{}`, `[]`, `""`, `0`, `-0`, `-`, `01`, `1.`, `1.5`, `1e`, `1e+`, `1E-7`, `-1.25e10`, `.5`, `+1`,
	`true`, `tru`, `truex`, `null`, `nul`, `false `, ` {"a" : [1 , 2 , {"b":null}] } `, `{"a":1,}`, `[1,]`,
	`[1 2]`, `{"a" 1}`, `{"a":}`, `{1:2}`, `{"a":1}{}`, `"\u00e9\n\"\\\/\b\f\r\t"`, `"\u00g0"`, `"\u12"`, `"\x"`,
	"\"a\x01\"", "\"\xff\xfe\"", `"unterminated`, `"\`, `[`, `{"a":[}`, "\t\r\n[]\n",
	strings.Repeat("[", 10000) + strings.Repeat("]", 10000),
	strings.Repeat("[", 10001) + strings.Repeat("]", 10001),
	strings.Repeat(`{"a":`, 10000) + "1" + strings.Repeat("}", 10000),
	strings.Repeat(`{"a":`, 10001) + "1" + strings.Repeat("}", 10001),
}

func TestValidJSON(t *testing.T) {
	for _, c := range validCases {
		if got, want := Valid([]byte(c)), json.Valid([]byte(c)); got != want {
			t.Errorf("Valid(%.40q) = %v, json.Valid says %v", c, got, want)
		}
	}
	for _, ev := range samples(t) {
		if !Valid(ev) {
			t.Errorf("Valid refuses a recorded event or a golden request: %s", ev)
		}
	}
}

// samples are the recorded OpenAI stream events and the providers' golden
// requests: what the gateway checks most.
func samples(t testing.TB) [][]byte {
	var out [][]byte
	files, _ := filepath.Glob("../fakes/openaifake/testdata/*.sse")
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range bytes.Split(b, []byte("\n")) {
			if d, ok := bytes.CutPrefix(line, []byte("data: ")); ok && !bytes.Equal(d, []byte("[DONE]")) {
				out = append(out, d)
			}
		}
	}
	requests, _ := filepath.Glob("../provider/*/testdata/requests/*.json")
	for _, f := range requests {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b)
	}
	if len(files) == 0 || len(requests) == 0 {
		t.Fatal("no recorded stream events or golden requests")
	}
	return out
}

// FuzzValid: Valid agrees with json.Valid on every input.
func FuzzValid(f *testing.F) {
	for _, c := range validCases {
		f.Add([]byte(c))
	}
	for _, ev := range samples(f) {
		f.Add(ev)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if got, want := Valid(b), json.Valid(b); got != want {
			t.Fatalf("Valid(%q) = %v, json.Valid says %v", b, got, want)
		}
		checkPlain(t, b)
	})
}

// checkPlain: on input starting with a quote, PlainString finds where a
// valid string ends, and calls it plain exactly when its raw bytes are its
// value.
func checkPlain(t *testing.T, b []byte) {
	if len(b) == 0 || b[0] != '"' {
		return
	}
	end, plain, ok := PlainString(b, 0)
	if !ok {
		// No prefix of b may be a valid string then.
		if i := bytes.IndexByte(b[1:], '"'); i >= 0 && json.Valid(b[:i+2]) && !bytes.Contains(b[:i+2], []byte(`\`)) {
			t.Fatalf("PlainString(%q) refuses the valid string %q", b, b[:i+2])
		}
		return
	}
	if !json.Valid(b[:end]) {
		t.Fatalf("PlainString(%q) accepts %q, not a JSON string", b, b[:end])
	}
	var s string
	if err := json.Unmarshal(b[:end], &s); err != nil {
		t.Fatal(err)
	}
	raw := string(b[1 : end-1])
	ascii := true
	for _, c := range []byte(raw) {
		ascii = ascii && c < 0x80
	}
	if want := ascii && !strings.Contains(raw, `\`); plain != want {
		t.Fatalf("PlainString(%q) plain = %v, want %v", b[:end], plain, want)
	}
	if plain && s != raw {
		t.Fatalf("PlainString(%q) is plain, but its value is %q", b[:end], s)
	}
}

func TestPlainString(t *testing.T) {
	for _, c := range []string{`""`, `"abc"`, `"a\nb"`, `"\u00e9"`, `"é"`, "\"\xff\"", `"a"b`, `"ab`, "\"a\tb\"", `"\q"`} {
		checkPlain(t, []byte(c))
	}
}
