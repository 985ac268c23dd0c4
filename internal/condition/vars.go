package condition

// Vars looks up a dotted variable name such as "metadata.tier", "user",
// "headers.x-team", "params.temperature", "request.input_tokens",
// "request.has_tools", "budget.monthly.remaining_pct", "geo.country" or
// "time.hour_utc" (the names Compile accepts: KnownVariables). ok is false
// when the variable is absent; a present variable may still hold nil (JSON
// null). time.weekday is one of Weekdays ("tuesday"), time.hour_utc a
// number from 0 to 23, request.operation one of Operations.
//
// Values should be the shapes a JSON decoder produces (string, a number of
// any Go type, bool, nil, []any, map[string]any); []string is also understood.
// Lookup is called on the request path, so it should not allocate.
type Vars interface {
	Lookup(name string) (any, bool)
}

// MapVars is a Vars over a nested map, for tests and simple callers:
// "a.b" is m["a.b"] if that key exists, else m["a"]["b"]. The same rule
// applies at every level, so a metadata key that itself contains dots
// ("metadata.team.id" → m["metadata"]["team.id"]) is still found.
type MapVars map[string]any

var _ Vars = MapVars(nil)

// Lookup implements Vars.
func (m MapVars) Lookup(name string) (any, bool) { return lookup(m, name) }

// lookup tries the whole name as a key, then each split at a dot from the
// left. Names are short, so trying every split costs nothing worth avoiding.
func lookup(m map[string]any, name string) (any, bool) {
	if v, ok := m[name]; ok {
		return v, true
	}
	for i := 0; i < len(name); i++ {
		if name[i] != '.' {
			continue
		}
		sub, ok := m[name[:i]]
		if !ok {
			continue
		}
		if v, ok := lookupIn(sub, name[i+1:]); ok {
			return v, true
		}
	}
	return nil, false
}

func lookupIn(sub any, name string) (any, bool) {
	switch x := sub.(type) {
	case map[string]any:
		return lookup(x, name)
	case MapVars:
		return lookup(x, name)
	case map[string]string:
		// Header maps are often map[string]string; their values are leaves.
		// Boxing the string costs one allocation, so a hot-path caller
		// should prefer map[string]any or its own Vars.
		s, ok := x[name]
		return s, ok
	}
	return nil, false
}

// noVars stands in for a nil Vars: every variable is absent.
type noVars struct{}

func (noVars) Lookup(string) (any, bool) { return nil, false }
