// Package console serves the local routing console (GET /console): one
// self-contained page (HTML, CSS and vanilla JavaScript, embedded in the
// binary: no CDN, no build step, no network) that polls the admin JSON
// APIs (/v1/traces, /v1/metrics, /v1/budgets, /v1/routing/explain) and
// draws the tables and charts in the browser.
//
// The page is a shell with no data in it: every figure it shows comes from
// an API that needs the admin key (or keyless loopback). With keys
// configured the user pastes the admin key into the page, which keeps it in
// sessionStorage and sends it as a bearer token; a browser sends no
// ambient credential (cookie, Basic auth) to the APIs, so another site
// cannot make it act for the user (CSRF).
//
// Values from traces (model names, upstream error messages) are chosen by
// callers and upstreams: the script writes them with textContent and
// SVG attributes only, never as markup, and Handler sets a strict
// Content-Security-Policy (scripts and styles from this origin only, no
// inline script, no framing) so an escaping mistake still cannot run code.
package console
