package console

import (
	"embed"
	"net/http"
	"path"
)

//go:embed assets
var assets embed.FS

// Path is where the page is served; its assets are under Path + "/".
const Path = "/console"

// CSP is the page's Content-Security-Policy: everything from this origin,
// no inline script or style, no plugins, no framing (clickjacking), no
// <base> or form posts elsewhere.
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
	"base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// files maps a request path to its embedded file and content type. Only
// these are served: the embedded tree is not browsable.
var files = map[string]struct{ name, ctype string }{
	Path:                  {"assets/index.html", "text/html; charset=utf-8"},
	Path + "/console.js":  {"assets/console.js", "text/javascript; charset=utf-8"},
	Path + "/console.css": {"assets/console.css", "text/css; charset=utf-8"},
}

// Assets lists the paths Handler serves.
func Assets() []string {
	out := make([]string, 0, len(files))
	for p := range files {
		out = append(out, p)
	}
	return out
}

// Handler serves the page and its assets (GET; HEAD is GET without a
// body), 404 for any other path.
func Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f, ok := files[path.Clean(r.URL.Path)]
		if !ok {
			http.NotFound(w, r)
			return
		}
		body, err := assets.ReadFile(f.name)
		if err != nil { // embedded at build time: cannot happen
			http.Error(w, "console asset missing", http.StatusInternalServerError)
			return
		}
		h := w.Header()
		h.Set("Content-Type", f.ctype)
		h.Set("Content-Security-Policy", CSP)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		// A new binary may ship a new page: never serve a stale script
		// against new APIs.
		h.Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusOK)
		if r.Method != http.MethodHead {
			_, _ = w.Write(body)
		}
	})
}
