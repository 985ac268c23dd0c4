package jsonscan

// Valid reports whether b is one valid JSON value, exactly as json.Valid
// does (FuzzValid holds it to that), at several times its speed:
// json.Valid's byte-at-a-time state machine was the largest cost left per
// streamed chunk.
func Valid(b []byte) bool {
	i, ok := Value(b, Space(b, 0), 0)
	return ok && Space(b, i) == len(b)
}

// MaxDepth is encoding/json's nesting limit.
const MaxDepth = 10000

// Space returns the index of the first byte at or after b[i] that is not
// JSON white space.
func Space(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\n' || b[i] == '\r' || b[i] == '\t') {
		i++
	}
	return i
}

// Value checks the value starting at b[i], nested depth deep (0 for a
// whole document, 1 for a member of its top-level object...), and returns
// the index just past it; false when it is not valid JSON or nests deeper
// than encoding/json allows.
func Value(b []byte, i, depth int) (int, bool) {
	if i >= len(b) {
		return i, false
	}
	switch c := b[i]; {
	case c == '{':
		if depth++; depth > MaxDepth {
			return i, false
		}
		i = Space(b, i+1)
		if i < len(b) && b[i] == '}' {
			return i + 1, true
		}
		for {
			if i >= len(b) || b[i] != '"' {
				return i, false
			}
			var ok bool
			if i, ok = String(b, i); !ok {
				return i, false
			}
			i = Space(b, i)
			if i >= len(b) || b[i] != ':' {
				return i, false
			}
			if i, ok = Value(b, Space(b, i+1), depth); !ok {
				return i, false
			}
			i = Space(b, i)
			if i >= len(b) {
				return i, false
			}
			switch b[i] {
			case '}':
				return i + 1, true
			case ',':
				i = Space(b, i+1)
			default:
				return i, false
			}
		}
	case c == '[':
		if depth++; depth > MaxDepth {
			return i, false
		}
		i = Space(b, i+1)
		if i < len(b) && b[i] == ']' {
			return i + 1, true
		}
		for {
			var ok bool
			if i, ok = Value(b, i, depth); !ok {
				return i, false
			}
			i = Space(b, i)
			if i >= len(b) {
				return i, false
			}
			switch b[i] {
			case ']':
				return i + 1, true
			case ',':
				i = Space(b, i+1)
			default:
				return i, false
			}
		}
	case c == '"':
		return String(b, i)
	case c == '-' || (c >= '0' && c <= '9'):
		return Number(b, i)
	case c == 't':
		return literal(b, i, "true")
	case c == 'f':
		return literal(b, i, "false")
	case c == 'n':
		return literal(b, i, "null")
	}
	return i, false
}

func literal(b []byte, i int, lit string) (int, bool) {
	if len(b)-i < len(lit) || string(b[i:i+len(lit)]) != lit {
		return i, false
	}
	return i + len(lit), true
}

// String checks the string starting at b[i] == '"' and returns the index
// just past its closing quote. Like json.Valid it accepts any byte but
// control characters, invalid UTF-8 included.
func String(b []byte, i int) (int, bool) {
	end, _, ok := PlainString(b, i)
	return end, ok
}

// Byte classes in a string, for PlainString's loop (one table load per
// byte instead of three comparisons).
const (
	ordinary = iota
	quote
	backslash
	control
	nonASCII
)

var classes = func() (t [256]uint8) {
	for c := range t {
		switch {
		case c == '"':
			t[c] = quote
		case c == '\\':
			t[c] = backslash
		case c < 0x20:
			t[c] = control
		case c >= 0x80:
			t[c] = nonASCII
		}
	}
	return t
}()

// PlainString is String, and reports too whether the string's raw bytes
// are its value (plain: ASCII without escapes), so that a decoder can
// take them as they are without a second look.
func PlainString(b []byte, i int) (end int, plain, ok bool) {
	plain = true
	for i++; i < len(b); i++ {
		switch classes[b[i]] {
		case ordinary:
		case quote:
			return i + 1, plain, true
		case nonASCII:
			plain = false
		case control:
			return i, false, false
		case backslash:
			plain = false
			i++
			if i >= len(b) {
				return i, false, false
			}
			switch b[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if len(b)-i <= 4 {
					return i, false, false
				}
				for _, h := range b[i+1 : i+5] {
					if !isHex(h) {
						return i, false, false
					}
				}
				i += 4
			default:
				return i, false, false
			}
		}
	}
	return i, false, false
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

// Number checks the number starting at b[i] (a digit or
// '-'), returning the index just past it: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?.
func Number(b []byte, i int) (int, bool) {
	if b[i] == '-' {
		i++
	}
	switch {
	case i >= len(b):
		return i, false
	case b[i] == '0':
		i++
	case b[i] >= '1' && b[i] <= '9':
		i = digits(b, i)
	default:
		return i, false
	}
	if i < len(b) && b[i] == '.' {
		j := digits(b, i+1)
		if j == i+1 {
			return j, false
		}
		i = j
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		j := digits(b, i)
		if j == i {
			return j, false
		}
		i = j
	}
	return i, true
}

func digits(b []byte, i int) int {
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		i++
	}
	return i
}
