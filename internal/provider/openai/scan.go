package openai

// topLevel returns the raw value of key in the JSON object raw (which must
// already be valid JSON), without decoding the rest: the gateway relays
// upstream bodies byte for byte and only needs a field or two of them.
// It returns nil when raw is not an object or has no such key.
func topLevel(raw []byte, key string) []byte {
	var v [1][]byte
	topLevels(raw, []string{key}, v[:])
	return v[0]
}

// topLevels is topLevel for several keys in one scan: vals[k] is the value
// of keys[k] (its first occurrence), nil when absent.
func topLevels(raw []byte, keys []string, vals [][]byte) {
	i := skipSpace(raw, 0)
	if i >= len(raw) || raw[i] != '{' {
		return
	}
	i++
	for {
		i = skipSpace(raw, i)
		if i >= len(raw) || raw[i] != '"' {
			return
		}
		kEnd := skipString(raw, i)
		k := raw[i+1 : kEnd-1]
		i = skipSpace(raw, kEnd)
		if i >= len(raw) || raw[i] != ':' {
			return
		}
		i = skipSpace(raw, i+1)
		vEnd := skipValue(raw, i)
		for n, key := range keys {
			if vals[n] == nil && string(k) == key {
				vals[n] = raw[i:vEnd]
			}
		}
		i = skipSpace(raw, vEnd)
		if i >= len(raw) || raw[i] != ',' {
			return
		}
		i++
	}
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\n' || b[i] == '\r' || b[i] == '\t') {
		i++
	}
	return i
}

// skipString returns the index just past the string starting at b[i] == '"'.
func skipString(b []byte, i int) int {
	for i++; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i + 1
		}
	}
	return len(b)
}

// skipValue returns the index just past the value starting at b[i].
func skipValue(b []byte, i int) int {
	if i >= len(b) {
		return i
	}
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for ; i < len(b); i++ {
			switch b[i] {
			case '"':
				i = skipString(b, i) - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
		}
		return len(b)
	default: // number, true, false, null
		for i < len(b) && b[i] != ',' && b[i] != '}' && b[i] != ']' && b[i] != ' ' && b[i] != '\n' && b[i] != '\r' && b[i] != '\t' {
			i++
		}
		return i
	}
}

// nonEmptyArray reports whether v is a JSON array with at least one element.
func nonEmptyArray(v []byte) bool {
	if len(v) < 2 || v[0] != '[' {
		return false
	}
	return v[skipSpace(v, 1)] != ']'
}
