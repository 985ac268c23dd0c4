package config

import (
	"errors"
	"strings"
	"testing"
)

// wantErr is one expected error: its exact path and a part of its message.
type wantErr struct{ path, msg string }

// hexKey is a valid sha256 hex string for key fixtures.
const hexKey = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"

// checkErrors asserts that err is Errors with exactly the wanted entries,
// in order: the order is part of the contract (deterministic output of
// `gateway validate`).
func checkErrors(t *testing.T, err error, want []wantErr) {
	t.Helper()
	var errs Errors
	if !errors.As(err, &errs) {
		t.Fatalf("error = %v (%T), want config.Errors", err, err)
	}
	ok := len(errs) == len(want)
	for i := 0; ok && i < len(want); i++ {
		ok = errs[i].Path == want[i].path && strings.Contains(errs[i].Msg, want[i].msg)
	}
	if !ok {
		var got, exp strings.Builder
		for _, e := range errs {
			got.WriteString("\n  " + e.Error())
		}
		for _, w := range want {
			exp.WriteString("\n  " + w.path + ": ..." + w.msg + "...")
		}
		t.Errorf("errors:%s\nwant:%s", got.String(), exp.String())
	}
}

// parseErrors runs Parse on doc and checks its errors.
func parseErrors(t *testing.T, doc string, want []wantErr) {
	t.Helper()
	cfg, err := Parse([]byte(doc))
	if len(want) == 0 {
		if err != nil {
			t.Fatalf("Parse: unexpected error:\n%v", err)
		}
		if cfg == nil {
			t.Fatal("Parse returned neither a config nor an error")
		}
		return
	}
	if cfg != nil {
		t.Errorf("Parse returned a config along with errors")
	}
	checkErrors(t, err, want)
}

// asStack validates as the gateway of a stack named "switchyard" does:
// testdata/valid.yaml names secret:switchyard/… and ssm:/switchyard/….
func asStack(t *testing.T) {
	t.Helper()
	t.Setenv(ProviderSecretVar, "arn:aws:secretsmanager:us-east-1:123456789012:secret:switchyard/provider-keys-AbCdEf")
}
