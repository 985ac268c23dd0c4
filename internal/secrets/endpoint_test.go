package secrets

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// sharedConfig stands for the shared config file among cfg.ConfigSources:
// a services section's endpoint_url, use_fips_endpoint and
// ignore_configured_endpoint_urls.
type sharedConfig struct {
	services  map[string]string
	fips      bool
	dualStack bool
	ignore    bool
}

func (c sharedConfig) GetServiceBaseEndpoint(_ context.Context, sdkID string) (string, bool, error) {
	v, ok := c.services[sdkID]
	return v, ok, nil
}

func (c sharedConfig) GetUseFIPSEndpoint(context.Context) (aws.FIPSEndpointState, bool, error) {
	if !c.fips {
		return aws.FIPSEndpointStateUnset, false, nil
	}
	return aws.FIPSEndpointStateEnabled, true, nil
}

func (c sharedConfig) GetUseDualStackEndpoint(context.Context) (aws.DualStackEndpointState, bool, error) {
	if !c.dualStack {
		return aws.DualStackEndpointStateUnset, false, nil
	}
	return aws.DualStackEndpointStateEnabled, true, nil
}

func (c sharedConfig) GetIgnoreConfiguredEndpoints(context.Context) (bool, bool, error) {
	return c.ignore, c.ignore, nil
}

func TestEndpoint(t *testing.T) {
	const (
		global = "http://global.test:4566"
		smURL  = "http://sm.test:4566"
		ssmURL = "http://ssm.test:4566"
		shared = "http://shared.test:4566"
	)
	sharedSrc := sharedConfig{services: map[string]string{"Secrets Manager": shared, "SSM": shared}}
	tests := []struct {
		name          string
		region        string
		base          string            // cfg.BaseEndpoint (AWS_ENDPOINT_URL or the profile's endpoint_url)
		env           map[string]string // environment
		src           []any             // cfg.ConfigSources
		override      string            // Options.Endpoint
		wantSM, wantP string            // endpoints, or an error substring after "error:"
	}{
		{name: "commercial", region: "us-east-1",
			wantSM: "https://secretsmanager.us-east-1.amazonaws.com", wantP: "https://ssm.us-east-1.amazonaws.com"},
		{name: "GovCloud", region: "us-gov-west-1",
			wantSM: "https://secretsmanager.us-gov-west-1.amazonaws.com", wantP: "https://ssm.us-gov-west-1.amazonaws.com"},
		{name: "China", region: "cn-north-1",
			wantSM: "https://secretsmanager.cn-north-1.amazonaws.com.cn", wantP: "https://ssm.cn-north-1.amazonaws.com.cn"},
		{name: "ISO", region: "us-iso-east-1",
			wantSM: "https://secretsmanager.us-iso-east-1.c2s.ic.gov", wantP: "https://ssm.us-iso-east-1.c2s.ic.gov"},
		{name: "ISO-B", region: "us-isob-east-1",
			wantSM: "https://secretsmanager.us-isob-east-1.sc2s.sgov.gov", wantP: "https://ssm.us-isob-east-1.sc2s.sgov.gov"},
		{name: "FIPS", region: "us-east-1", src: []any{sharedConfig{fips: true}},
			wantSM: "https://secretsmanager-fips.us-east-1.amazonaws.com", wantP: "https://ssm-fips.us-east-1.amazonaws.com"},
		// The SDK's rules: SSM's GovCloud endpoints are FIPS already and
		// have no ssm-fips host; Secrets Manager's do.
		{name: "GovCloud FIPS", region: "us-gov-west-1", src: []any{sharedConfig{fips: true}},
			wantSM: "https://secretsmanager-fips.us-gov-west-1.amazonaws.com", wantP: "https://ssm.us-gov-west-1.amazonaws.com"},
		{name: "dual-stack", region: "us-east-1", src: []any{sharedConfig{dualStack: true}},
			wantSM: "https://secretsmanager.us-east-1.amazonaws.com", wantP: "https://ssm.us-east-1.api.aws"},
		{name: "China FIPS", region: "cn-north-1", src: []any{sharedConfig{fips: true}},
			wantSM: "https://secretsmanager-fips.cn-north-1.amazonaws.com.cn", wantP: "https://ssm-fips.cn-north-1.amazonaws.com.cn"},
		{name: "no region", wantSM: "error:no AWS region", wantP: "error:no AWS region"},
		{name: "region that is not a host label", region: "us-east-1.evil.test/x",
			wantSM: "error:not a valid region name", wantP: "error:not a valid region name"},
		{name: "AWS_ENDPOINT_URL", region: "us-east-1", base: global, env: map[string]string{"AWS_ENDPOINT_URL": global},
			src: []any{sharedSrc}, wantSM: global, wantP: global},
		{name: "service variables beat AWS_ENDPOINT_URL", region: "us-east-1", base: global,
			env:    map[string]string{"AWS_ENDPOINT_URL": global, "AWS_ENDPOINT_URL_SECRETS_MANAGER": smURL, "AWS_ENDPOINT_URL_SSM": ssmURL},
			wantSM: smURL, wantP: ssmURL},
		{name: "one service variable", region: "us-east-1", env: map[string]string{"AWS_ENDPOINT_URL_SSM": ssmURL},
			wantSM: "https://secretsmanager.us-east-1.amazonaws.com", wantP: ssmURL},
		{name: "no region needed for a configured endpoint", env: map[string]string{"AWS_ENDPOINT_URL_SECRETS_MANAGER": smURL},
			wantSM: smURL, wantP: "error:no AWS region"},
		{name: "shared config services section beats its endpoint_url", region: "us-east-1", base: global, src: []any{sharedSrc},
			wantSM: shared, wantP: shared},
		{name: "ignore configured endpoints", region: "us-east-1",
			env:    map[string]string{"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true", "AWS_ENDPOINT_URL_SSM": ssmURL},
			src:    []any{sharedSrc},
			wantSM: "https://secretsmanager.us-east-1.amazonaws.com", wantP: "https://ssm.us-east-1.amazonaws.com"},
		{name: "ignore configured endpoints in the config file", region: "us-east-1",
			env:    map[string]string{"AWS_ENDPOINT_URL_SSM": ssmURL},
			src:    []any{sharedConfig{services: sharedSrc.services, ignore: true}},
			wantSM: "https://secretsmanager.us-east-1.amazonaws.com", wantP: "https://ssm.us-east-1.amazonaws.com"},
		{name: "override beats everything", region: "us-east-1", base: global, override: "http://127.0.0.1:1",
			env:    map[string]string{"AWS_ENDPOINT_URL_SECRETS_MANAGER": smURL, "AWS_ENDPOINT_URL_SSM": ssmURL},
			wantSM: "http://127.0.0.1:1", wantP: "http://127.0.0.1:1"},
		{name: "not an http URL", region: "us-east-1", env: map[string]string{"AWS_ENDPOINT_URL_SSM": "ssm.test:4566"},
			wantSM: "https://secretsmanager.us-east-1.amazonaws.com", wantP: "error:is not an http(s) URL"},
		{name: "unparsable URL with a password", region: "us-east-1", env: map[string]string{"AWS_ENDPOINT_URL_SSM": "http://u:hunter2@[::1"},
			wantSM: "https://secretsmanager.us-east-1.amazonaws.com", wantP: "error:endpoint for SSM is not a valid URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := aws.Config{Region: tt.region, ConfigSources: tt.src}
			if tt.base != "" {
				cfg.BaseEndpoint = aws.String(tt.base)
			}
			getenv := func(k string) string { return tt.env[k] }
			for _, c := range []struct {
				svc  service
				want string
			}{{secretsManager, tt.wantSM}, {ssmService, tt.wantP}} {
				u, err := endpoint(context.Background(), cfg, c.svc, tt.override, getenv)
				if want, ok := strings.CutPrefix(c.want, "error:"); ok {
					if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "hunter2") {
						t.Errorf("%s: %v, %v; want error containing %q", c.svc.sdkID, u, err, want)
					}
					continue
				}
				if err != nil || u.String() != c.want {
					t.Errorf("%s: %v, %v; want %s", c.svc.sdkID, u, err, c.want)
				}
			}
		})
	}
}

// TestRegionalHost: the hosts are those the SDK's endpoint rules
// (secretsmanager v1.50.12, ssm v1.82.1, ResolveEndpoint) give for a
// region of each partition, with FIPS and dual-stack on and off.
func TestRegionalHost(t *testing.T) {
	for _, tt := range []struct {
		region          string
		fips, dualStack bool
		sm, ssm         string
	}{
		{"us-east-1", false, false, "secretsmanager.us-east-1.amazonaws.com", "ssm.us-east-1.amazonaws.com"},
		{"us-east-1", false, true, "secretsmanager.us-east-1.amazonaws.com", "ssm.us-east-1.api.aws"},
		{"us-east-1", true, false, "secretsmanager-fips.us-east-1.amazonaws.com", "ssm-fips.us-east-1.amazonaws.com"},
		{"us-east-1", true, true, "secretsmanager-fips.us-east-1.amazonaws.com", "ssm-fips.us-east-1.api.aws"},
		{"eu-west-3", false, false, "secretsmanager.eu-west-3.amazonaws.com", "ssm.eu-west-3.amazonaws.com"},
		{"eu-west-3", false, true, "secretsmanager.eu-west-3.amazonaws.com", "ssm.eu-west-3.api.aws"},
		{"eu-west-3", true, false, "secretsmanager-fips.eu-west-3.amazonaws.com", "ssm-fips.eu-west-3.amazonaws.com"},
		{"eu-west-3", true, true, "secretsmanager-fips.eu-west-3.amazonaws.com", "ssm-fips.eu-west-3.api.aws"},
		{"us-gov-west-1", false, false, "secretsmanager.us-gov-west-1.amazonaws.com", "ssm.us-gov-west-1.amazonaws.com"},
		{"us-gov-west-1", false, true, "secretsmanager.us-gov-west-1.amazonaws.com", "ssm.us-gov-west-1.api.aws"},
		{"us-gov-west-1", true, false, "secretsmanager-fips.us-gov-west-1.amazonaws.com", "ssm.us-gov-west-1.amazonaws.com"},
		{"us-gov-west-1", true, true, "secretsmanager-fips.us-gov-west-1.amazonaws.com", "ssm-fips.us-gov-west-1.api.aws"},
		{"cn-north-1", false, false, "secretsmanager.cn-north-1.amazonaws.com.cn", "ssm.cn-north-1.amazonaws.com.cn"},
		{"cn-north-1", false, true, "secretsmanager.cn-north-1.amazonaws.com.cn", "ssm.cn-north-1.api.amazonwebservices.com.cn"},
		{"cn-north-1", true, false, "secretsmanager-fips.cn-north-1.amazonaws.com.cn", "ssm-fips.cn-north-1.amazonaws.com.cn"},
		{"cn-north-1", true, true, "secretsmanager-fips.cn-north-1.api.amazonwebservices.com.cn", "ssm-fips.cn-north-1.api.amazonwebservices.com.cn"},
		{"us-iso-east-1", false, false, "secretsmanager.us-iso-east-1.c2s.ic.gov", "ssm.us-iso-east-1.c2s.ic.gov"},
		{"us-iso-east-1", false, true, "secretsmanager.us-iso-east-1.api.aws.ic.gov", "ssm.us-iso-east-1.api.aws.ic.gov"},
		{"us-iso-east-1", true, false, "secretsmanager-fips.us-iso-east-1.c2s.ic.gov", "ssm-fips.us-iso-east-1.c2s.ic.gov"},
		{"us-iso-east-1", true, true, "secretsmanager-fips.us-iso-east-1.api.aws.ic.gov", "ssm-fips.us-iso-east-1.api.aws.ic.gov"},
		{"us-isob-east-1", false, false, "secretsmanager.us-isob-east-1.sc2s.sgov.gov", "ssm.us-isob-east-1.sc2s.sgov.gov"},
		{"us-isob-east-1", false, true, "secretsmanager.us-isob-east-1.api.aws.scloud", "ssm.us-isob-east-1.api.aws.scloud"},
		{"us-isob-east-1", true, false, "secretsmanager-fips.us-isob-east-1.sc2s.sgov.gov", "ssm-fips.us-isob-east-1.sc2s.sgov.gov"},
		{"us-isob-east-1", true, true, "secretsmanager-fips.us-isob-east-1.api.aws.scloud", "ssm-fips.us-isob-east-1.api.aws.scloud"},
		{"us-isof-south-1", false, false, "secretsmanager.us-isof-south-1.csp.hci.ic.gov", "ssm.us-isof-south-1.csp.hci.ic.gov"},
		{"us-isof-south-1", false, true, "secretsmanager.us-isof-south-1.api.aws.hci.ic.gov", "ssm.us-isof-south-1.api.aws.hci.ic.gov"},
		{"us-isof-south-1", true, false, "secretsmanager-fips.us-isof-south-1.csp.hci.ic.gov", "ssm-fips.us-isof-south-1.csp.hci.ic.gov"},
		{"us-isof-south-1", true, true, "secretsmanager-fips.us-isof-south-1.api.aws.hci.ic.gov", "ssm-fips.us-isof-south-1.api.aws.hci.ic.gov"},
		{"eu-isoe-west-1", false, false, "secretsmanager.eu-isoe-west-1.cloud.adc-e.uk", "ssm.eu-isoe-west-1.cloud.adc-e.uk"},
		{"eu-isoe-west-1", false, true, "secretsmanager.eu-isoe-west-1.api.cloud-aws.adc-e.uk", "ssm.eu-isoe-west-1.api.cloud-aws.adc-e.uk"},
		{"eu-isoe-west-1", true, false, "secretsmanager-fips.eu-isoe-west-1.cloud.adc-e.uk", "ssm-fips.eu-isoe-west-1.cloud.adc-e.uk"},
		{"eu-isoe-west-1", true, true, "secretsmanager-fips.eu-isoe-west-1.api.cloud-aws.adc-e.uk", "ssm-fips.eu-isoe-west-1.api.cloud-aws.adc-e.uk"},
		{"eusc-de-east-1", false, false, "secretsmanager.eusc-de-east-1.amazonaws.eu", "ssm.eusc-de-east-1.amazonaws.eu"},
		{"eusc-de-east-1", false, true, "secretsmanager.eusc-de-east-1.api.amazonwebservices.eu", "ssm.eusc-de-east-1.api.amazonwebservices.eu"},
		{"eusc-de-east-1", true, false, "secretsmanager-fips.eusc-de-east-1.amazonaws.eu", "ssm-fips.eusc-de-east-1.amazonaws.eu"},
		{"eusc-de-east-1", true, true, "secretsmanager-fips.eusc-de-east-1.api.amazonwebservices.eu", "ssm-fips.eusc-de-east-1.api.amazonwebservices.eu"},
	} {
		for _, c := range []struct {
			svc  service
			want string
		}{{secretsManager, tt.sm}, {ssmService, tt.ssm}} {
			if got := regionalHost(c.svc, tt.region, tt.fips, tt.dualStack); got != c.want {
				t.Errorf("%s in %s (FIPS %v, dual-stack %v) = %s; want %s", c.svc.sdkID, tt.region, tt.fips, tt.dualStack, got, c.want)
			}
		}
	}
}

// TestEndpointEnvNames: the variables are the SDKs' names for the two
// service ids.
func TestEndpointEnvNames(t *testing.T) {
	if a, b := secretsManager.endpointEnv(), ssmService.endpointEnv(); a != "AWS_ENDPOINT_URL_SECRETS_MANAGER" || b != "AWS_ENDPOINT_URL_SSM" {
		t.Fatalf("%s, %s", a, b)
	}
}

// TestEndpointErrorIsPerService: a malformed AWS_ENDPOINT_URL_SSM fails
// ssm: references, with a clear error, and leaves secret: ones working.
func TestEndpointErrorIsPerService(t *testing.T) {
	f := newFakeAWS(t)
	f.set(func(f *fakeAWS) { f.secrets["k"] = "v"; f.params["/p"] = "p" })
	t.Setenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "")
	t.Setenv("AWS_ENDPOINT_URL_SECRETS_MANAGER", f.URL)
	t.Setenv("AWS_ENDPOINT_URL_SSM", "ssm.test:4566")
	r := New(Options{MaxAttempts: 1, LoadConfig: func(context.Context) (aws.Config, error) {
		return aws.Config{Region: fakeRegion, Credentials: credentials.NewStaticCredentialsProvider(fakeAccessKey, fakeSecretKey, "")}, nil
	}})
	if got, err := r.Resolve(context.Background(), "secret:k"); err != nil || got != "v" {
		t.Fatalf("secret:k = %q, %v; want v", got, err)
	}
	if _, err := r.Resolve(context.Background(), "ssm:/p"); err == nil || !strings.Contains(err.Error(), `get SSM parameter /p: endpoint "ssm.test:4566" for SSM is not an http(s) URL`) {
		t.Fatalf("ssm:/p: err = %v", err)
	}
}
