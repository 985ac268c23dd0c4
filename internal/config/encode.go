package config

import (
	"reflect"
	"strings"
)

// encode turns a config value into the generic document shape FromDocument
// reads (map[string]any, []any, string, float64, bool), by the same yaml
// tags the decoder uses. It is the decoder's mirror: an inline router target
// becomes the router map with the target's weight, name and region beside
// it, a Duration its "250ms" string, and fields tagged omitempty are left out
// when zero or empty.
//
// Document used to go through yaml.Marshal and back, which loses data:
// yaml.v3 writes the string "\n" (a common stop sequence in params) as a
// "|4+" block scalar that reads back as "".
func encode(v reflect.Value) any {
	t := v.Type()
	switch {
	case t == durationType:
		return Duration(v.Int()).String()
	case t == targetType:
		target := v.Interface().(Target)
		return encodeTarget(&target)
	}
	switch v.Kind() {
	case reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return normalize(v.Elem().Interface())
	case reflect.Pointer:
		if v.IsNil() {
			return nil
		}
		return encode(v.Elem())
	case reflect.Struct:
		return encodeStruct(v)
	case reflect.Map:
		out := make(map[string]any, v.Len())
		iter := v.MapRange()
		for iter.Next() {
			out[iter.Key().String()] = encode(iter.Value())
		}
		return out
	case reflect.Slice:
		out := make([]any, v.Len())
		for i := range out {
			out[i] = encode(v.Index(i))
		}
		return out
	case reflect.String:
		return v.String()
	case reflect.Bool:
		return v.Bool()
	case reflect.Int, reflect.Int64:
		return float64(v.Int())
	case reflect.Float64:
		return v.Float()
	}
	return v.Interface()
}

func encodeStruct(v reflect.Value) map[string]any {
	t := v.Type()
	out := map[string]any{}
	for i := 0; i < t.NumField(); i++ {
		tag := t.Field(i).Tag.Get("yaml")
		if tag == "" || tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		f := v.Field(i)
		if opts == "omitempty" && empty(f) {
			continue
		}
		if e := encode(f); e != nil {
			out[name] = e
		}
	}
	return out
}

// empty is yaml.v3's omitempty: zero scalars, nil pointers and interfaces,
// empty maps and slices, and structs whose fields are all empty.
func empty(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Map, reflect.Slice:
		return v.Len() == 0
	case reflect.Pointer, reflect.Interface:
		return v.IsNil()
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if !empty(v.Field(i)) {
				return false
			}
		}
		return true
	}
	return v.IsZero()
}

func encodeTarget(t *Target) any {
	if t.Inline == nil {
		m := encodeStruct(reflect.ValueOf(t).Elem())
		if t.Drained {
			m["weight"] = 0.0 // omitempty dropped it
		}
		return m
	}
	m := encodeStruct(reflect.ValueOf(t.Inline).Elem())
	if t.Weight != 0 || t.Drained {
		m["weight"] = t.Weight
	}
	if t.Name != "" {
		m["name"] = t.Name
	}
	if t.Region != "" {
		m["region"] = t.Region
	}
	return m
}
