package provider

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"syscall"
	"time"
)

// Class is the closed vocabulary of attempt outcomes. The attempt loop's
// policy (retry, next target, fail) is a function of the Class alone, plus
// per-router overrides by status.
type Class string

const (
	// ClassRateLimit: 429, Anthropic rate_limit_error, Gemini
	// RESOURCE_EXHAUSTED, Bedrock ThrottlingException. Retried with backoff.
	ClassRateLimit Class = "rate_limit"
	// ClassServer: 5xx, overloaded (529), unavailable. Next target.
	ClassServer Class = "server_error"
	// ClassNetwork: connection refused/reset, DNS, TLS, cut stream. Next target.
	ClassNetwork Class = "network"
	// ClassTimeout: the attempt timed out (408, attempt deadline). Next target.
	ClassTimeout Class = "timeout"
	// ClassAuth: 401/403 — our credential is bad. Next target; the target is
	// marked unhealthy.
	ClassAuth Class = "auth"
	// ClassContextLength: the prompt does not fit this model. Next target
	// (another model may have a bigger window).
	ClassContextLength Class = "context_length"
	// ClassBadResponse: the upstream answered 2xx with something we cannot
	// read. Next target.
	ClassBadResponse Class = "bad_response"
	// ClassInvalidRequest: the caller's fault (400, 404, 413, 422). Relayed
	// at once, no retry.
	ClassInvalidRequest Class = "invalid_request"
	// ClassUnsupported: this provider cannot express the request (an image
	// URL Bedrock cannot fetch, n > 1 on Anthropic...); nothing was sent
	// upstream. Another target may serve it, so the loop moves on; when it
	// is the last outcome the caller gets a 400 with this message.
	ClassUnsupported Class = "unsupported"
	// ClassCanceled: the caller went away. Nothing more is tried.
	ClassCanceled Class = "canceled"
)

// Classes lists every class, for metrics and docs.
var Classes = []Class{ClassRateLimit, ClassServer, ClassNetwork, ClassTimeout, ClassAuth,
	ClassContextLength, ClassBadResponse, ClassInvalidRequest, ClassUnsupported, ClassCanceled}

// Error is a failed attempt as a provider reports it.
type Error struct {
	Class   Class
	Status  int    // upstream HTTP status, 0 when none was received
	Message string // upstream message, safe to show the caller (never a credential)
	Type    string // upstream error type (e.g. "invalid_request_error")
	Code    string // upstream error code
	Param   string // offending parameter, when the upstream names one
	// RetryAfter is the upstream's Retry-After, when it sent one.
	RetryAfter time.Duration
	// RequestID is the upstream's request id, for support tickets.
	RequestID string
	Err       error // underlying cause, if any
}

func (e *Error) Error() string {
	var sb strings.Builder
	sb.WriteString(string(e.Class))
	if e.Status != 0 {
		fmt.Fprintf(&sb, " (status %d)", e.Status)
	}
	if e.Message != "" {
		sb.WriteString(": ")
		sb.WriteString(e.Message)
	} else if e.Err != nil {
		sb.WriteString(": ")
		sb.WriteString(e.Err.Error())
	}
	return Redact(sb.String())
}

func (e *Error) Unwrap() error { return e.Err }

// ClassOf returns the class of err: the Class of an *Error in its chain, or a
// class inferred from context and network errors. Unknown errors count as
// network failures, so they fall back rather than fail the request.
func ClassOf(err error) Class {
	var pe *Error
	if errors.As(err, &pe) {
		return pe.Class
	}
	switch {
	case errors.Is(err, context.Canceled):
		return ClassCanceled
	case errors.Is(err, context.DeadlineExceeded):
		return ClassTimeout
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return ClassTimeout
	}
	return ClassNetwork
}

// ClassForStatus maps an upstream HTTP status to a class. Providers refine
// it from the error body (context length, overloaded...).
func ClassForStatus(status int) Class {
	switch {
	case status == http.StatusTooManyRequests:
		return ClassRateLimit
	case status == http.StatusRequestTimeout:
		return ClassTimeout
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return ClassAuth
	case status >= 500:
		return ClassServer
	case status >= 400:
		return ClassInvalidRequest
	default:
		return ClassBadResponse
	}
}

// NetworkError wraps a transport failure. A context error stays what it
// is, so a caller's cancel is never mistaken for an upstream fault. An
// *Error in err's chain (the transport's refusal of a redirect or of an
// address) is returned as it is.
//
// The message says what failed, never where: Go's transport errors quote
// the upstream URL and address ("Post \"https://host/v1/...\": dial tcp
// 10.0.0.5:443: ..."), and callers should see the target's name (the
// engine adds it), not the operator's base_url.
func NetworkError(ctx context.Context, err error) *Error {
	if ctx.Err() == context.Canceled {
		return &Error{Class: ClassCanceled, Message: "request canceled by the caller", Err: err}
	}
	var pe *Error
	if errors.As(err, &pe) {
		return pe
	}
	c := ClassNetwork
	if ctx.Err() == context.DeadlineExceeded || isTimeout(err) {
		c = ClassTimeout
	}
	return &Error{Class: c, Message: describeNetError(err), Err: err}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// describeNetError names a transport failure without its URL or address.
func describeNetError(err error) string {
	var dns *net.DNSError
	var cert *tls.CertificateVerificationError
	var rec tls.RecordHeaderError
	switch {
	case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
		return "the upstream did not answer in time"
	case errors.As(err, &dns):
		if dns.IsNotFound {
			return "cannot resolve the upstream host name (no such host)"
		}
		return "cannot resolve the upstream host name"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "cannot connect to the upstream: connection refused"
	case errors.Is(err, syscall.ECONNRESET):
		return "the upstream reset the connection"
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return "the upstream closed the connection"
	case errors.As(err, &cert):
		return "TLS handshake with the upstream failed: its certificate is not trusted"
	case errors.As(err, &rec):
		return "TLS handshake with the upstream failed: it does not speak TLS"
	}
	// Anything else: the innermost message, stripped of the url.Error and
	// net.OpError layers that carry the URL and addresses.
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	msg := err.Error()
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Err != nil {
		msg = oe.Op + ": " + oe.Err.Error()
	}
	return "upstream connection failed: " + sanitize(urlPattern.ReplaceAllString(msg, "[upstream]"))
}

// sanitize drops URL query strings from transport messages: Gemini-style
// ?key= credentials must never reach a caller or a log.
func sanitize(msg string) string {
	if i := strings.Index(msg, "?"); i >= 0 {
		end := strings.IndexAny(msg[i:], "\": ")
		if end < 0 {
			return msg[:i]
		}
		return msg[:i] + msg[i+end:]
	}
	return msg
}

// urlPattern finds URLs left in a transport message.
var urlPattern = regexp.MustCompile(`[a-zA-Z][a-zA-Z0-9+.-]*://[^\s"']*`)

// ParseRetryAfter reads a Retry-After header (seconds or HTTP date), and the
// retry-after-ms header some providers send. Zero when absent or invalid.
func ParseRetryAfter(h http.Header, now time.Time) time.Duration {
	if ms := h.Get("Retry-After-Ms"); ms != "" {
		var v float64
		if _, err := fmt.Sscanf(ms, "%g", &v); err == nil && v > 0 {
			return time.Duration(v * float64(time.Millisecond))
		}
	}
	ra := h.Get("Retry-After")
	if ra == "" {
		return 0
	}
	var secs float64
	if _, err := fmt.Sscanf(ra, "%g", &secs); err == nil && secs >= 0 {
		return time.Duration(secs * float64(time.Second))
	}
	if t, err := http.ParseTime(ra); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
