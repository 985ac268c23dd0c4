package config

// Limits on routers sent in request bodies. A caller's inline router is
// compiled and kept like a configured one, so without bounds one 9 MB body
// with a million targets retained ~570 MB, and a caller could buy itself
// 50 upstream attempts or an hour-long deadline. The size bounds are
// checked on the raw JSON before it is decoded or compiled.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"
)

// Ceilings of the inline limits (DESIGN §9): server settings may lower
// them, never raise them, because the engine's inline-router cache is
// sized for routers this big.
const (
	InlineMaxTargets = 64
	InlineMaxBytes   = 32 << 10
)

// Defaults of the server maxima on an inline router's policy (DESIGN §9).
const (
	DefaultInlineMaxAttempts = 10
	DefaultInlineMaxRetries  = 10
	DefaultInlineMaxTimeout  = 300 * time.Second
)

// InlineLimits bound the routers callers send in request bodies
// (server.inline). A zero field takes its default.
type InlineLimits struct {
	// MaxTargets counts every target of the router, those of its routes,
	// default and nested inline routers included. Default and ceiling 64.
	MaxTargets int `yaml:"max_targets,omitempty"`
	// MaxBytes is the router's JSON size. Default and ceiling 32 KiB.
	MaxBytes int `yaml:"max_bytes,omitempty"`
	// MaxAttempts caps the router's max_attempts. Default 10.
	MaxAttempts int `yaml:"max_attempts,omitempty"`
	// MaxRetries caps retry.max_retries. Default 10; 0 allows no
	// retries, so it is a pointer to tell 0 from unset.
	MaxRetries *int `yaml:"max_retries,omitempty"`
	// MaxTimeout caps the router's timeout. Default 300s.
	MaxTimeout Duration `yaml:"max_timeout,omitempty"`
	// MaxNames is how many distinct inline router names a gateway
	// instance keeps metrics for (inline:<name>, arms included); routers
	// with further names count under plain inline. Default 64.
	MaxNames int `yaml:"max_names,omitempty"`
}

// Effective returns l with defaults filled in.
func (l InlineLimits) Effective() InlineLimits {
	if l.MaxTargets <= 0 {
		l.MaxTargets = InlineMaxTargets
	}
	if l.MaxBytes <= 0 {
		l.MaxBytes = InlineMaxBytes
	}
	if l.MaxAttempts <= 0 {
		l.MaxAttempts = DefaultInlineMaxAttempts
	}
	if l.MaxRetries == nil {
		n := DefaultInlineMaxRetries
		l.MaxRetries = &n
	}
	if l.MaxTimeout <= 0 {
		l.MaxTimeout = Duration(DefaultInlineMaxTimeout)
	}
	if l.MaxNames <= 0 {
		l.MaxNames = DefaultInlineMaxNames
	}
	return l
}

// validate checks the server.inline settings.
func (l InlineLimits) validate(errs *Errors, path string) {
	if l.MaxTargets < 0 || l.MaxTargets > InlineMaxTargets {
		errs.add(path+".max_targets", "must be between 1 and %d (0 takes the default, %d)", InlineMaxTargets, InlineMaxTargets)
	}
	if l.MaxBytes < 0 || l.MaxBytes > InlineMaxBytes {
		errs.add(path+".max_bytes", "must be between 1 and %d (0 takes the default, %d)", InlineMaxBytes, InlineMaxBytes)
	}
	// The same ranges a router's own fields have (ValidateRouter).
	if l.MaxAttempts < 0 || l.MaxAttempts > 50 {
		errs.add(path+".max_attempts", "must be between 1 and 50 (0 takes the default, %d)", DefaultInlineMaxAttempts)
	}
	if l.MaxRetries != nil && (*l.MaxRetries < 0 || *l.MaxRetries > 10) {
		errs.add(path+".max_retries", "must be between 0 and 10")
	}
	if l.MaxNames < 0 || l.MaxNames > MaxInlineNames {
		errs.add(path+".max_names", "must be between 1 and %d (0 takes the default, %d)", MaxInlineNames, DefaultInlineMaxNames)
	}
	if l.MaxTimeout < 0 || (l.MaxTimeout != 0 && l.MaxTimeout.D() <= MinAttemptTime) {
		errs.add(path+".max_timeout", "must be longer than %v (0 takes the default, %v)", MinAttemptTime, DefaultInlineMaxTimeout)
	}
}

// DecodeInlineRouter decodes a router from a request body within the
// limits l: its size, target count, nesting and regular expressions are
// checked on the raw JSON before it is decoded, and its policy against the
// server maxima after. Every problem names its field (path first).
// References are left to ValidateRouter. The size is what the router
// holds, for callers that keep it.
func DecodeInlineRouter(raw json.RawMessage, path string, l InlineLimits) (*Router, InlineSize, error) {
	l = l.Effective()
	size := InlineSize{Bytes: len(raw)}
	if len(raw) > l.MaxBytes {
		return nil, size, Errors{{Path: path, Msg: fmt.Sprintf(
			"is %d bytes; an inline router may be at most %d (server.inline.max_bytes)", len(raw), l.MaxBytes)}}
	}
	// UseNumber: large integers in params (seeds) keep their digits.
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return nil, size, Errors{{Path: path, Msg: "must be a JSON object"}}
	}
	var errs Errors
	w := inlineWalk{errs: &errs, size: size}
	w.router(path, doc, 1)
	size = w.size
	if len(errs) == 0 && size.Targets > l.MaxTargets {
		errs.add(path+".targets", "has %d targets (nested routers' included); an inline router may have at most %d (server.inline.max_targets)", size.Targets, l.MaxTargets)
	}
	if w.regexPath != "" {
		errs.add(w.regexPath, "$regex patterns compile to over %d instructions in all; an inline router's may not", InlineMaxRegexInsts)
	}
	if len(errs) > 0 {
		return nil, size, errs
	}
	r, err := DecodeRouter(doc, path)
	if err != nil {
		return nil, size, err
	}
	l.checkPolicy(&errs, path, r)
	return r, size, errs.orNil()
}

// checkPolicy refuses policy fields above the server maxima, in r and the
// inline routers it nests.
func (l InlineLimits) checkPolicy(errs *Errors, path string, r *Router) {
	if r.MaxAttempts > l.MaxAttempts {
		errs.add(path+".max_attempts", "is %d; an inline router may make at most %d attempts (server.inline.max_attempts)", r.MaxAttempts, l.MaxAttempts)
	}
	if r.Retry != nil && r.Retry.MaxRetries != nil && *r.Retry.MaxRetries > *l.MaxRetries {
		errs.add(path+".retry.max_retries", "is %d; an inline router may retry at most %d times (server.inline.max_retries)", *r.Retry.MaxRetries, *l.MaxRetries)
	}
	if r.Timeout > l.MaxTimeout {
		errs.add(path+".timeout", "is %v; an inline router's timeout may be at most %v (server.inline.max_timeout)", r.Timeout, l.MaxTimeout)
	}
	each := func(p string, ts []Target) {
		for i, t := range ts {
			if t.Inline != nil {
				l.checkPolicy(errs, index(p, i), t.Inline)
			}
		}
	}
	each(path+".targets", r.Targets)
	each(path+".default", r.Default)
	for i, rt := range r.Routes {
		each(index(path+".routes", i)+".targets", rt.Targets)
	}
}
