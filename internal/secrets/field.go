package secrets

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// jsonField extracts field from a secret holding a JSON object, the form
// the Secrets Manager console stores key/value secrets in. Strings are
// returned as they are, numbers and booleans in their JSON spelling.
// Errors name the secret and field, never any part of the value.
func jsonField(secret, id, field string) (string, error) {
	var obj map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader([]byte(secret)))
	dec.UseNumber()
	if err := dec.Decode(&obj); err != nil || obj == nil {
		return "", fmt.Errorf("secrets: secret %s %w, so it has no field %q", id, errNotObject, field)
	}
	raw, ok := obj[field]
	if !ok {
		return "", fmt.Errorf("secrets: secret %s has no field %q", id, field)
	}
	var v any
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	if err := d.Decode(&v); err != nil {
		return "", fmt.Errorf("secrets: field %q of secret %s is not valid JSON", field, id)
	}
	switch x := v.(type) {
	case string:
		if x == "" {
			return "", fmt.Errorf("secrets: field %q of secret %s is empty", field, id)
		}
		return x, nil
	case json.Number:
		return x.String(), nil
	case bool:
		return fmt.Sprint(x), nil
	default:
		return "", fmt.Errorf("secrets: field %q of secret %s is not a string", field, id)
	}
}
