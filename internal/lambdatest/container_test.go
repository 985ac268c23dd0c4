package lambdatest

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
)

// TestDockerfile keeps the container image buildable although Docker is
// not available to the tests: the Dockerfile's go build line is run here
// with its own flags and package (for this machine's architecture; the
// image sets GOARCH from the build platform), and the image is checked to
// be static, distroless, non-root, and to serve on 0.0.0.0:8080 the way
// `gateway serve` accepts (keys required beyond loopback).
func TestDockerfile(t *testing.T) {
	root := repoRoot(t)
	raw, err := os.ReadFile(filepath.Join(root, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	text := strings.ReplaceAll(string(raw), "\\\n", " ")

	goMod, _ := os.ReadFile(filepath.Join(root, "go.mod"))
	goVer := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindSubmatch(goMod)
	if m := regexp.MustCompile(`(?m)^FROM .*golang:(\d+\.\d+)\S* AS build$`).FindStringSubmatch(text); m == nil || goVer == nil || m[1] != string(goVer[1]) {
		t.Errorf("build stage %v does not use go.mod's Go %s", m, goVer)
	}
	for _, want := range []string{
		"FROM gcr.io/distroless/static-debian12:nonroot", "USER nonroot:nonroot", "EXPOSE 8080",
		`ENTRYPOINT ["/gateway"]`, `CMD ["serve", "--addr", "0.0.0.0:8080"]`, "COPY --from=build /out/gateway /gateway",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("Dockerfile has no %q", want)
		}
	}

	run := regexp.MustCompile(`(?m)^RUN (.*go build .*)$`).FindStringSubmatch(text)
	if run == nil {
		t.Fatal("Dockerfile has no RUN ... go build line")
	}
	words := shellWords(run[1])
	var env, args []string
	i := 0
	for ; i < len(words) && strings.Contains(words[i], "=") && words[i] != "go"; i++ {
		env = append(env, words[i])
	}
	if i+1 >= len(words) || words[i] != "go" || words[i+1] != "build" {
		t.Fatalf("RUN line %q: want [VAR=value...] go build ...", run[1])
	}
	args = words[i+1:]
	if !contains(env, "CGO_ENABLED=0") {
		t.Errorf("build env %v: not CGO_ENABLED=0 (distroless/static has no libc)", env)
	}
	if len(args) == 0 || args[len(args)-1] != "./functions/gateway" || !contains(args, "-trimpath") {
		t.Errorf("go %v: want -trimpath and ./functions/gateway last", args)
	}
	// The -o path is the image's; build next to the test instead.
	out := filepath.Join(t.TempDir(), "gateway")
	for j := range args {
		if args[j] == "-o" && j+1 < len(args) {
			if args[j+1] != "/out/gateway" {
				t.Errorf("builds %s, but the runtime stage copies /out/gateway", args[j+1])
			}
			args[j+1] = out
		}
	}
	cmd := exec.Command("go", args...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+runtime.GOARCH)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("the Dockerfile's build does not build: go %s: %v\n%s", strings.Join(args, " "), err, b)
	}
	// A static binary: no interpreter, so distroless/static can run it.
	bin, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(bin[:min(len(bin), 4096)]), "ld-linux") {
		t.Error("the binary asks for a dynamic loader")
	}

	ignore, err := os.ReadFile(filepath.Join(root, ".dockerignore"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{".tools", ".git", "bin"} {
		if !contains(strings.Fields(string(ignore)), want) {
			t.Errorf(".dockerignore does not leave out %s", want)
		}
	}
}

// shellWords splits a shell command line on spaces, honouring single and
// double quotes (enough for a Dockerfile RUN line).
func shellWords(s string) []string {
	var words []string
	var cur strings.Builder
	var quote rune
	inWord := false
	for _, r := range s {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			cur.WriteRune(r)
		case r == '\'' || r == '"':
			quote, inWord = r, true
		case r == ' ' || r == '\t':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words
}
