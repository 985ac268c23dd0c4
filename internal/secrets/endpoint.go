package secrets

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// service is one AWS service the resolver calls.
type service struct {
	// sdkID is the service's SDK id: it names the X-Ray subsegment (as the
	// X-Ray SDK's aws-sdk-go-v2 instrumentor did) and, upper-cased with
	// spaces as underscores, its AWS_ENDPOINT_URL_<ID> variable.
	sdkID string
	// signingName is the SigV4 service name and the endpoint's host prefix.
	signingName string
	// targetPrefix prefixes the operation in X-Amz-Target.
	targetPrefix string
	// govFIPSRegional: in GovCloud the service's FIPS endpoint is its
	// regional one (the SDK's endpoint rules for SSM); there is no
	// <service>-fips host to call.
	govFIPSRegional bool
}

var (
	secretsManager = service{sdkID: "Secrets Manager", signingName: "secretsmanager", targetPrefix: "secretsmanager"}
	ssmService     = service{sdkID: "SSM", signingName: "ssm", targetPrefix: "AmazonSSM", govFIPSRegional: true}
)

// endpointEnv is the service-specific endpoint variable the AWS SDKs
// honour: AWS_ENDPOINT_URL_SECRETS_MANAGER, AWS_ENDPOINT_URL_SSM.
func (s service) endpointEnv() string {
	return "AWS_ENDPOINT_URL_" + strings.ReplaceAll(strings.ToUpper(s.sdkID), " ", "_")
}

// partitionSuffixes are the DNS suffixes of the partitions whose regions
// are not named like the commercial ones, by region prefix (from the SDK's
// endpoints/awsrulesfn/partitions.json). Everything else, GovCloud
// included, is amazonaws.com.
var partitionSuffixes = []struct{ prefix, suffix string }{
	{"cn-", "amazonaws.com.cn"},
	{"eusc-", "amazonaws.eu"},
	{"us-isob-", "sc2s.sgov.gov"},
	{"us-isof-", "csp.hci.ic.gov"},
	{"us-iso-", "c2s.ic.gov"},
	{"eu-isoe-", "cloud.adc-e.uk"},
}

// validRegion keeps a region from changing the endpoint's host beyond its
// own label (a region is an AWS_REGION value, not trusted to be sane).
var validRegion = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)

// endpoint returns the base URL to call svc at, in the order the AWS SDK
// for Go v2 resolves it:
//
//  1. override (Options.Endpoint), when set;
//  2. AWS_ENDPOINT_URL_<SERVICE> (unless AWS_IGNORE_CONFIGURED_ENDPOINT_URLS);
//  3. AWS_ENDPOINT_URL, which config.LoadDefaultConfig puts in cfg.BaseEndpoint;
//  4. the service's endpoint_url in a services section of the shared
//     config file (cfg.ConfigSources);
//  5. cfg.BaseEndpoint from the profile's endpoint_url;
//  6. https://<service>[-fips].<region>.<partition suffix>, as the
//     service's endpoint rules in the SDK say (SSM's FIPS endpoint in
//     GovCloud is its regional one).
//
// getenv is os.Getenv outside tests.
func endpoint(ctx context.Context, cfg aws.Config, svc service, override string, getenv func(string) string) (*url.URL, error) {
	raw := override
	if raw == "" {
		raw = configuredEndpoint(ctx, cfg, svc, getenv)
	}
	if raw == "" {
		if cfg.Region == "" {
			return nil, fmt.Errorf("no AWS region: set AWS_REGION (or region in the AWS config file) to call %s", svc.sdkID)
		}
		if !validRegion.MatchString(cfg.Region) {
			return nil, fmt.Errorf("AWS region %q is not a valid region name", cfg.Region)
		}
		suffix := "amazonaws.com"
		for _, p := range partitionSuffixes {
			if strings.HasPrefix(cfg.Region, p.prefix) {
				suffix = p.suffix
				break
			}
		}
		host := svc.signingName
		if useFIPS(ctx, cfg) && !(svc.govFIPSRegional && strings.HasPrefix(cfg.Region, "us-gov-")) {
			host += "-fips"
		}
		raw = "https://" + host + "." + cfg.Region + "." + suffix
	}
	u, err := url.Parse(raw)
	if err != nil {
		// url.Parse's error quotes raw, which may hold a password.
		return nil, fmt.Errorf("endpoint for %s is not a valid URL", svc.sdkID)
	}
	if (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("endpoint %q for %s is not an http(s) URL", u.Redacted(), svc.sdkID)
	}
	return u, nil
}

// configuredEndpoint is steps 2–5 of endpoint, "" when none is set.
func configuredEndpoint(ctx context.Context, cfg aws.Config, svc service, getenv func(string) string) string {
	ignore := strings.EqualFold(getenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"), "true")
	if !ignore {
		for _, src := range cfg.ConfigSources {
			if p, ok := src.(interface {
				GetIgnoreConfiguredEndpoints(context.Context) (bool, bool, error)
			}); ok {
				if v, found, err := p.GetIgnoreConfiguredEndpoints(ctx); err == nil && found {
					ignore = v
					break
				}
			}
		}
	}
	if ignore {
		// config.LoadDefaultConfig leaves cfg.BaseEndpoint nil then; one
		// set by hand is still honoured, as the SDK clients do.
		return aws.ToString(cfg.BaseEndpoint)
	}
	if v := getenv(svc.endpointEnv()); v != "" {
		return v
	}
	if getenv("AWS_ENDPOINT_URL") == "" {
		for _, src := range cfg.ConfigSources {
			p, ok := src.(interface {
				GetServiceBaseEndpoint(ctx context.Context, sdkID string) (string, bool, error)
			})
			if !ok {
				continue
			}
			if v, found, err := p.GetServiceBaseEndpoint(ctx, svc.sdkID); err == nil && found && v != "" {
				return v
			}
		}
	}
	return aws.ToString(cfg.BaseEndpoint)
}

// useFIPS reports whether AWS_USE_FIPS_ENDPOINT (or use_fips_endpoint in
// the shared config file) asks for FIPS endpoints: a deployment that set
// it must not be sent to a non-FIPS one.
func useFIPS(ctx context.Context, cfg aws.Config) bool {
	for _, src := range cfg.ConfigSources {
		p, ok := src.(interface {
			GetUseFIPSEndpoint(context.Context) (aws.FIPSEndpointState, bool, error)
		})
		if !ok {
			continue
		}
		if v, found, err := p.GetUseFIPSEndpoint(ctx); err == nil && found {
			return v == aws.FIPSEndpointStateEnabled
		}
	}
	return false
}
