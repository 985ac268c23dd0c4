// Package condition compiles and evaluates the Mongo-style `when` conditions
// of the conditional routing strategy (DESIGN §4), such as
//
//	{"metadata.tier": {"$in": ["premium", "enterprise"]}, "request.input_tokens": {"$gt": 8000}}
//
// Compile does all checking up front and reports every problem with its path
// inside the condition, so that config validation can reject a bad document
// before it is served; Eval is then a cheap, allocation-free walk over a tree
// of small matchers that never fails: a type mismatch or an absent variable
// is simply false (except for $ne, $nin and $exists:false).
//
// The package is a leaf. It must not import other project packages: config
// validation and the router both import it. It knows which variables exist
// (KnownVariables, DESIGN §4) and rejects any other name, so a typo is a
// config error rather than a route that silently never matches; config
// validation also passes the configured budget names (CompileWith). The
// router supplies the values through Vars.
package condition
