package gemini

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// Gemini's function parameters and responseSchema take an OpenAPI 3.0
// Schema subset, and the API answers 400 "Unknown name" for any key outside
// it (additionalProperties, $schema, strict, ...), which OpenAI callers send
// routinely. So a JSON Schema is rewritten, not passed verbatim:
//
//   - keys Gemini knows are kept; every other key is dropped;
//   - local $ref (#/$defs/X, #/definitions/X) is inlined, since Gemini has no
//     references; a recursive $ref cannot be inlined and is rejected;
//   - allOf is merged into its parent, oneOf becomes anyOf;
//   - "type": ["string","null"] becomes "type":"string","nullable":true;
//   - const becomes a one-value enum; an enum of non-strings is dropped
//     (Gemini enums are strings only);
//   - format is kept only where Gemini accepts it (enum, date-time, int32,
//     int64, float, double).
//
// docs/providers/gemini.md lists the same rules for users.

// schemaKeys are the Schema fields Gemini accepts and this rewrite copies
// as they are.
var schemaKeys = map[string]bool{
	"title": true, "description": true, "nullable": true, "required": true,
	"minItems": true, "maxItems": true, "minProperties": true, "maxProperties": true,
	"minLength": true, "maxLength": true, "pattern": true, "example": true,
	"default": true, "minimum": true, "maximum": true, "propertyOrdering": true,
}

// geminiFormats are the format values Gemini accepts, by type.
var geminiFormats = map[string]bool{
	"enum": true, "date-time": true, "int32": true, "int64": true, "float": true, "double": true,
}

// geminiSchema rewrites a JSON Schema into Gemini's Schema. The output is
// deterministic (object keys sorted) so golden files are stable.
func geminiSchema(raw json.RawMessage) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber() // keep 1e21 and big integers exactly as the caller wrote them
	var root any
	if err := dec.Decode(&root); err != nil {
		return nil, fmt.Errorf("not valid JSON: %w", err)
	}
	m, ok := root.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("must be a JSON object")
	}
	c := schemaConv{defs: map[string]any{}, active: map[string]bool{}}
	for _, key := range []string{"$defs", "definitions"} {
		if defs, ok := m[key].(map[string]any); ok {
			for name, d := range defs {
				c.defs["#/"+key+"/"+name] = d
			}
		}
	}
	return c.convert(m, "")
}

type schemaConv struct {
	defs   map[string]any  // "#/$defs/Name" -> schema
	active map[string]bool // refs being inlined, to catch recursion
}

func (c *schemaConv) convert(v any, path string) (map[string]any, error) {
	m, ok := v.(map[string]any)
	if !ok {
		if b, isBool := v.(bool); isBool && b {
			return map[string]any{}, nil // "true" accepts anything
		}
		return nil, fmt.Errorf("%s: a schema must be an object", where(path))
	}
	m = mergeAllOf(m)
	if ref, ok := m["$ref"].(string); ok {
		return c.inline(ref, m, path)
	}
	out := map[string]any{}
	for k, val := range m {
		switch {
		case schemaKeys[k]:
			out[k] = val
		case k == "type":
			setType(out, val)
		case k == "format":
			if f, _ := val.(string); geminiFormats[f] {
				out[k] = f
			}
		case k == "enum":
			if strs, ok := allStrings(val); ok {
				out[k] = strs
			} else if t := enumType(val); t != "" && m["type"] == nil {
				out["type"] = t // keep the type the dropped enum implied
			}
		case k == "const":
			if s, ok := val.(string); ok {
				out["enum"] = []any{s}
			}
		case k == "properties":
			props, ok := val.(map[string]any)
			if !ok {
				return nil, fmt.Errorf("%s: properties must be an object", where(path))
			}
			if len(props) == 0 {
				continue // Gemini rejects an empty properties map
			}
			conv := make(map[string]any, len(props))
			for name, p := range props {
				s, err := c.convert(p, path+".properties."+name)
				if err != nil {
					return nil, err
				}
				conv[name] = s
			}
			out[k] = conv
		case k == "items":
			if _, tuple := val.([]any); tuple {
				continue // tuple validation has no Gemini equivalent
			}
			s, err := c.convert(val, path+".items")
			if err != nil {
				return nil, err
			}
			out[k] = s
		case k == "anyOf" || k == "oneOf":
			list, ok := val.([]any)
			if !ok {
				return nil, fmt.Errorf("%s: %s must be an array", where(path), k)
			}
			conv := make([]any, 0, len(list))
			for i, item := range list {
				s, err := c.convert(item, fmt.Sprintf("%s.%s[%d]", path, k, i))
				if err != nil {
					return nil, err
				}
				if isNullOnly(s) {
					out["nullable"] = true // {"type":"null"} branch: Gemini spells it nullable
					continue
				}
				conv = append(conv, s)
			}
			if len(conv) == 1 {
				// anyOf [X, null], pydantic's Optional[X]: X itself, nullable.
				for ck, cv := range conv[0].(map[string]any) {
					if _, set := out[ck]; !set {
						out[ck] = cv
					}
				}
			} else if len(conv) > 1 {
				out["anyOf"] = conv
			}
		}
	}
	if _, hasEnum := out["enum"]; hasEnum && out["type"] == nil {
		out["type"] = "string" // Gemini needs a type beside an enum
	}
	return out, nil
}

// inline resolves a local $ref; keys beside the $ref (typically a
// description) override the referenced schema's.
func (c *schemaConv) inline(ref string, m map[string]any, path string) (map[string]any, error) {
	def, ok := c.defs[ref]
	if !ok {
		return nil, fmt.Errorf("%s: $ref %q is not a local #/$defs or #/definitions reference", where(path), ref)
	}
	if c.active[ref] {
		return nil, fmt.Errorf("%s: $ref %q is recursive; Gemini schemas cannot express recursion", where(path), ref)
	}
	c.active[ref] = true
	defer delete(c.active, ref)
	merged := map[string]any{}
	if dm, ok := def.(map[string]any); ok {
		for k, v := range dm {
			merged[k] = v
		}
	}
	for k, v := range m {
		if k != "$ref" {
			merged[k] = v
		}
	}
	return c.convert(merged, path)
}

// mergeAllOf folds allOf members into m: properties are united, required
// lists joined, other keys keep the first value seen (m's own first).
func mergeAllOf(m map[string]any) map[string]any {
	list, ok := m["allOf"].([]any)
	if !ok {
		return m
	}
	out := map[string]any{}
	for k, v := range m {
		if k != "allOf" {
			out[k] = v
		}
	}
	for _, item := range list {
		im, ok := item.(map[string]any)
		if !ok {
			continue
		}
		if ref, ok := im["$ref"].(string); ok && len(im) == 1 && out["$ref"] == nil {
			out["$ref"] = ref // inlined by convert right after the merge
			continue
		}
		for k, v := range mergeAllOf(im) {
			switch k {
			case "properties":
				props, _ := out[k].(map[string]any)
				if props == nil {
					props = map[string]any{}
				}
				if add, ok := v.(map[string]any); ok {
					for name, p := range add {
						props[name] = p
					}
				}
				out[k] = props
			case "required":
				prev, _ := out[k].([]any)
				add, _ := v.([]any)
				out[k] = append(append([]any{}, prev...), add...)
			default:
				if _, seen := out[k]; !seen {
					out[k] = v
				}
			}
		}
	}
	return out
}

// setType writes a JSON Schema type into Gemini's single type + nullable.
func setType(out map[string]any, val any) {
	switch t := val.(type) {
	case string:
		if t == "null" {
			out["nullable"] = true
			return
		}
		out["type"] = t
	case []any:
		var types []string
		for _, x := range t {
			s, _ := x.(string)
			if s == "null" {
				out["nullable"] = true
			} else if s != "" {
				types = append(types, s)
			}
		}
		switch len(types) {
		case 0:
		case 1:
			out["type"] = types[0]
		default:
			anyOf := make([]any, len(types))
			for i, s := range types {
				anyOf[i] = map[string]any{"type": s}
			}
			out["anyOf"] = anyOf
		}
	}
}

// isNullOnly reports a converted {"type":"null"}: nothing but nullable.
func isNullOnly(s map[string]any) bool {
	return len(s) == 1 && s["nullable"] == true
}

// enumType is the type of an enum of non-strings ("integer", "number",
// "boolean"), or "" when mixed.
func enumType(v any) string {
	list, ok := v.([]any)
	if !ok || len(list) == 0 {
		return ""
	}
	t := ""
	for _, x := range list {
		var xt string
		switch n := x.(type) {
		case json.Number:
			xt = "number"
			if _, err := n.Int64(); err == nil {
				xt = "integer"
			}
		case bool:
			xt = "boolean"
		default:
			return ""
		}
		if t != "" && t != xt {
			if (t == "integer" || t == "number") && (xt == "integer" || xt == "number") {
				xt = "number"
			} else {
				return ""
			}
		}
		t = xt
	}
	return t
}

func allStrings(v any) ([]any, bool) {
	list, ok := v.([]any)
	if !ok {
		return nil, false
	}
	for _, x := range list {
		if _, ok := x.(string); !ok {
			return nil, false
		}
	}
	return list, true
}

func where(path string) string {
	if path == "" {
		return "schema"
	}
	return "schema" + strings.ReplaceAll(path, "..", ".")
}
