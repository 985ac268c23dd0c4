package openai

import (
	"encoding/json"
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
		if got, want := validJSON([]byte(c)), json.Valid([]byte(c)); got != want {
			t.Errorf("validJSON(%.40q) = %v, json.Valid says %v", c, got, want)
		}
	}
	for _, ev := range events(t) {
		if !validJSON(ev) {
			t.Errorf("validJSON refuses a recorded event: %s", ev)
		}
	}
}

// FuzzValid: validJSON agrees with json.Valid on every input.
func FuzzValid(f *testing.F) {
	for _, c := range validCases {
		f.Add([]byte(c))
	}
	for _, ev := range events(f) {
		f.Add(ev)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if got, want := validJSON(b), json.Valid(b); got != want {
			t.Fatalf("validJSON(%q) = %v, json.Valid says %v", b, got, want)
		}
	})
}
