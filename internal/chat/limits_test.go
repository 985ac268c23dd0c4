package chat

import (
	"errors"
	"strings"
	"testing"
)

// TestDecodeRefusesNumbersOutOfRange: n and the output limits are bounded
// at the door, so no estimate downstream multiplies a caller's number
// past the int64 range (n × max_tokens once wrapped to a negative budget
// reservation). The bounds themselves are accepted.
func TestDecodeRefusesNumbersOutOfRange(t *testing.T) {
	const msgs = `"messages":[{"role":"user","content":"hi"}]`
	tests := []struct {
		name, fields string
		param, code  string // "" when accepted
	}{
		{"n wrapping n × max_tokens", `"max_tokens":2,"n":9098372036854775807`, "n", CodeAboveMax},
		{"max_tokens of 2^62", `"max_tokens":4611686018427387904`, "max_tokens", CodeAboveMax},
		{"max_completion_tokens of 2^62", `"max_completion_tokens":4611686018427387904`, "max_completion_tokens", CodeAboveMax},
		{"the largest int64 max_tokens", `"max_tokens":9223372036854775807`, "max_tokens", CodeAboveMax},
		{"max_tokens one past the bound", `"max_tokens":10000001`, "max_tokens", CodeAboveMax},
		{"max_tokens zero", `"max_tokens":0`, "max_tokens", CodeBelowMin},
		{"max_tokens negative", `"max_tokens":-1`, "max_tokens", CodeBelowMin},
		{"the smallest int64 max_completion_tokens", `"max_completion_tokens":-9223372036854775808`, "max_completion_tokens", CodeBelowMin},
		{"a bad max_tokens beside a good max_completion_tokens", `"max_completion_tokens":10,"max_tokens":0`, "max_tokens", CodeBelowMin},
		{"n one past the bound", `"n":129`, "n", CodeAboveMax},
		{"n zero", `"n":0`, "n", CodeBelowMin},
		{"n negative", `"n":-3`, "n", CodeBelowMin},
		{"the bounds", `"n":128,"max_tokens":10000000,"max_completion_tokens":10000000`, "", ""},
		{"the smallest values", `"n":1,"max_tokens":1,"max_completion_tokens":1`, "", ""},
		{"nulls are absent", `"n":null,"max_tokens":null,"max_completion_tokens":null`, "", ""},
		{"absent", `"model":"m"`, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := Decode([]byte(`{` + msgs + `,` + tt.fields + `}`))
			if tt.param == "" {
				if err != nil {
					t.Fatalf("Decode refused a valid body: %v", err)
				}
				return
			}
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("Decode = %+v, %v; want a *FieldError", req, err)
			}
			if fe.Param != tt.param || fe.Code != tt.code {
				t.Errorf("param %q code %q, want %q %q", fe.Param, fe.Code, tt.param, tt.code)
			}
			if !strings.HasPrefix(fe.Msg, tt.param+" must be an integer from 1 to ") {
				t.Errorf("message %q does not name %s and its range", fe.Msg, tt.param)
			}
		})
	}
}

// TestWithParamsRefusesNumbersOutOfRange: a target's params (an inline
// router's are the caller's) go through the same bounds.
func TestWithParamsRefusesNumbersOutOfRange(t *testing.T) {
	base, err := Decode([]byte(`{"messages":[{"role":"user","content":"hi"}],"max_tokens":2}`))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		params map[string]any
		param  string
	}{
		{"n", map[string]any{"n": 9098372036854775807}, "n"},
		{"max_tokens", map[string]any{"max_tokens": 4611686018427387904}, "max_tokens"},
		{"max_completion_tokens", map[string]any{"max_completion_tokens": 0}, "max_completion_tokens"},
		{"within bounds", map[string]any{"n": 2, "max_tokens": 50}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := base.WithParams(tt.params)
			var fe *FieldError
			switch {
			case tt.param == "" && err != nil:
				t.Fatalf("WithParams refused valid params: %v", err)
			case tt.param != "" && (!errors.As(err, &fe) || fe.Param != tt.param):
				t.Fatalf("WithParams = %v, want a *FieldError naming %s", err, tt.param)
			}
		})
	}
}
