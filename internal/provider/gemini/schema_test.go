package gemini

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestGeminiSchema(t *testing.T) {
	tests := []struct {
		name, in, want, wantErr string
	}{
		{name: "unknown keys dropped",
			in:   `{"$schema":"x","$id":"y","type":"object","additionalProperties":false,"strict":true,"properties":{"a":{"type":"string","examples":["z"]}}}`,
			want: `{"properties":{"a":{"type":"string"}},"type":"object"}`},
		{name: "nullable type list",
			in:   `{"type":["string","null"]}`,
			want: `{"nullable":true,"type":"string"}`},
		{name: "multi type list becomes anyOf",
			in:   `{"type":["string","integer"]}`,
			want: `{"anyOf":[{"type":"string"},{"type":"integer"}]}`},
		{name: "unsupported format dropped, supported kept",
			in:   `{"type":"object","properties":{"e":{"type":"string","format":"email"},"n":{"type":"number","format":"double"}}}`,
			want: `{"properties":{"e":{"type":"string"},"n":{"format":"double","type":"number"}},"type":"object"}`},
		{name: "ref sibling description wins",
			in:   `{"type":"object","properties":{"p":{"$ref":"#/definitions/P","description":"outer"}},"definitions":{"P":{"type":"string","description":"inner"}}}`,
			want: `{"properties":{"p":{"description":"outer","type":"string"}},"type":"object"}`},
		{name: "allOf merged",
			in:   `{"allOf":[{"type":"object","properties":{"a":{"type":"string"}},"required":["a"]},{"properties":{"b":{"type":"integer"}},"required":["b"]}]}`,
			want: `{"properties":{"a":{"type":"string"},"b":{"type":"integer"}},"required":["a","b"],"type":"object"}`},
		{name: "optional via anyOf null",
			in:   `{"anyOf":[{"type":"integer","minimum":1},{"type":"null"}]}`,
			want: `{"minimum":1,"nullable":true,"type":"integer"}`},
		{name: "const string becomes enum",
			in:   `{"const":"fixed"}`,
			want: `{"enum":["fixed"],"type":"string"}`},
		{name: "tuple items dropped",
			in:   `{"type":"array","items":[{"type":"string"}]}`,
			want: `{"type":"array"}`},
		{name: "not an object", in: `[1,2]`, wantErr: "must be a JSON object"},
		{name: "not JSON", in: `{"type":`, wantErr: "not valid JSON"},
		{name: "properties not an object", in: `{"properties":[1]}`, wantErr: "properties must be an object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := geminiSchema(json.RawMessage(tt.in))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			b, _ := json.Marshal(got)
			if string(b) != tt.want {
				t.Errorf("got  %s\nwant %s", b, tt.want)
			}
		})
	}
}
