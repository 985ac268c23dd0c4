package tracing

import (
	"os/exec"
	"strings"
	"testing"
)

// TestNoXRayBuildLeavesTheSDKOut: what -tags noxray is for. Neither
// function links aws-xray-sdk-go, nor what it pulls in (aws-sdk-go v1,
// whose endpoint tables alone are 2 MB of heap at init, and fasthttp);
// the default build still links the X-Ray SDK.
func TestNoXRayBuildLeavesTheSDKOut(t *testing.T) {
	deps := func(tags ...string) []string {
		args := append([]string{"list", "-deps"}, tags...)
		args = append(args, "../../functions/gateway", "../../functions/aggregator")
		out, err := exec.Command("go", args...).CombinedOutput()
		if err != nil {
			t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return strings.Fields(string(out))
	}
	banned := []string{"github.com/aws/aws-xray-sdk-go/", "github.com/aws/aws-sdk-go/", "github.com/valyala/fasthttp"}
	for _, p := range deps("-tags", "noxray") {
		for _, b := range banned {
			if strings.HasPrefix(p, b) {
				t.Errorf("-tags noxray links %s", p)
			}
		}
	}
	found := false
	for _, p := range deps() {
		found = found || p == "github.com/aws/aws-xray-sdk-go/xray"
	}
	if !found {
		t.Error("the default build no longer links aws-xray-sdk-go (DESIGN §7 names it)")
	}
}
