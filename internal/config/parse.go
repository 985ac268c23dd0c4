package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"reflect"
	"strings"

	"gopkg.in/yaml.v3"
)

// Parse reads a YAML or JSON document, decodes it strictly and validates
// it. The error, when not nil, is Errors listing every problem found.
func Parse(data []byte) (*Config, error) {
	doc, err := ParseDocument(data)
	if err != nil {
		return nil, err
	}
	return FromDocument(doc)
}

// ParseFile is Parse of a file's contents.
func ParseFile(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config: %w", err)
	}
	return Parse(data)
}

// ParseDocument reads YAML or JSON (a YAML subset) into the generic shape
// FromDocument takes.
func ParseDocument(data []byte) (map[string]any, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, Errors{{Msg: "config is empty"}}
	}
	var doc any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, Errors{{Msg: "not valid YAML or JSON: " + err.Error()}}
	}
	m, ok := normalize(doc).(map[string]any)
	if !ok {
		return nil, Errors{{Msg: "config must be a map at the top level"}}
	}
	return m, nil
}

// FromDocument decodes and validates a generic document, as parsed from
// YAML/JSON or assembled from DynamoDB records.
func FromDocument(doc map[string]any) (*Config, error) {
	c, err := FromDocumentPartial(doc)
	if err != nil {
		return nil, err
	}
	return c, nil
}

// FromDocumentPartial is FromDocument that also returns the config as far
// as it decoded when there are errors, so that later stages (strategy
// compilation) can report their problems in the same run. A config
// returned with an error must not be served.
func FromDocumentPartial(doc map[string]any) (*Config, error) {
	var errs Errors
	d := decoder{errs: &errs}
	var c Config
	d.structure("", doc, reflect.ValueOf(&c).Elem())
	if len(errs) > 0 {
		// Report the rest too (unknown references, cycles, budgets...), so
		// one run of `validate` lists every problem, not just the first
		// kind; but not what a decode error may have caused.
		return &c, append(errs, validateAfterDecodeErrors(&c, errs)...)
	}
	if err := c.Validate(); err != nil {
		return &c, err
	}
	return &c, nil
}

// Unrelated returns the errors of more whose paths neither lie inside nor
// enclose a path in known: problems a later stage found that are not the
// echo of one already reported.
func Unrelated(known, more Errors) Errors {
	var out Errors
	for _, m := range more {
		related := false
		for _, k := range known {
			if pathWithin(m.Path, k.Path) || pathWithin(k.Path, m.Path) {
				related = true
				break
			}
		}
		if !related {
			out = append(out, m)
		}
	}
	return out
}

// validateAfterDecodeErrors validates a config that failed to decode in
// places and keeps the errors unrelated to those places: an error whose
// path is inside, or encloses, a decode error's path may be its echo (a
// target that did not decode leaves its router with no targets), so it is
// left out. A partial config is not something Validate is written for;
// should it panic on one, only the decode errors are reported.
func validateAfterDecodeErrors(c *Config, decodeErrs Errors) (out Errors) {
	defer func() {
		if recover() != nil {
			out = nil
		}
	}()
	var verrs Errors
	if err := c.Validate(); err != nil {
		errors.As(err, &verrs)
	}
	return Unrelated(decodeErrs, verrs)
}

// pathWithin reports whether path is base or below it ("a.b[0].c" is
// within "a.b" and "a.b[0]", not within "a.bc").
func pathWithin(path, base string) bool {
	if base == "" || path == base {
		return true
	}
	if !strings.HasPrefix(path, base) {
		return false
	}
	next := path[len(base)]
	return next == '.' || next == '['
}

// DecodeRouter decodes one router from a generic map, as sent inline in a
// request body. vLLora's flat targets (extra keys are params) are accepted.
// It checks shape only; the caller validates references.
func DecodeRouter(doc any, path string) (*Router, error) {
	var errs Errors
	d := decoder{errs: &errs, flatTargets: true}
	var r Router
	d.router(path, normalize(doc), reflect.ValueOf(&r).Elem())
	if len(errs) > 0 {
		return nil, errs
	}
	return &r, nil
}

// DecodeRouterJSON is DecodeRouter of raw JSON, with no size limits: a
// router from a request body goes through DecodeInlineRouter instead.
func DecodeRouterJSON(raw json.RawMessage, path string) (*Router, error) {
	// UseNumber: large integers in params (seeds) keep their digits.
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return nil, Errors{{Path: path, Msg: "must be a JSON object"}}
	}
	return DecodeRouter(doc, path)
}

// DecodeSection decodes one record (a router, provider, budget, key or
// model) into out, for the admin API and DynamoDB records.
func DecodeSection(doc any, out any, path string) error {
	var errs Errors
	d := decoder{errs: &errs}
	d.value(path, normalize(doc), reflect.ValueOf(out).Elem())
	return errs.orNil()
}

// Document turns c back into the generic shape (for config pull and the
// admin API), with the field names of the schema.
func (c *Config) Document() (map[string]any, error) {
	return encodeStruct(reflect.ValueOf(c).Elem()), nil
}
