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
}

var (
	secretsManager = service{sdkID: "Secrets Manager", signingName: "secretsmanager", targetPrefix: "secretsmanager"}
	ssmService     = service{sdkID: "SSM", signingName: "ssm", targetPrefix: "AmazonSSM"}
)

// endpointEnv is the service-specific endpoint variable the AWS SDKs
// honour: AWS_ENDPOINT_URL_SECRETS_MANAGER, AWS_ENDPOINT_URL_SSM.
func (s service) endpointEnv() string {
	return "AWS_ENDPOINT_URL_" + strings.ReplaceAll(strings.ToUpper(s.sdkID), " ", "_")
}

// partition is an AWS partition's DNS names (the SDK's
// endpoints/awsrulesfn/partitions.json).
type partition struct {
	id, prefix, suffix, dualStackSuffix string
}

// partitions are matched by region prefix; a region that matches none is
// in the commercial partition, as the SDK's rules say.
var partitions = []partition{
	{"aws-cn", "cn-", "amazonaws.com.cn", "api.amazonwebservices.com.cn"},
	{"aws-eusc", "eusc-", "amazonaws.eu", "api.amazonwebservices.eu"},
	{"aws-iso-b", "us-isob-", "sc2s.sgov.gov", "api.aws.scloud"},
	{"aws-iso-f", "us-isof-", "csp.hci.ic.gov", "api.aws.hci.ic.gov"},
	{"aws-iso", "us-iso-", "c2s.ic.gov", "api.aws.ic.gov"},
	{"aws-iso-e", "eu-isoe-", "cloud.adc-e.uk", "api.cloud-aws.adc-e.uk"},
	{"aws-us-gov", "us-gov-", "amazonaws.com", "api.aws"},
}

var commercial = partition{"aws", "", "amazonaws.com", "api.aws"}

func partitionOf(region string) partition {
	for _, p := range partitions {
		if strings.HasPrefix(region, p.prefix) {
			return p
		}
	}
	return commercial
}

// regionalHost is svc's endpoint host in region, as the SDK's endpoint
// rules for the two services build it: <service>[-fips].<region>.<suffix>,
// the dual-stack suffix when asked for, with each service's exceptions.
func regionalHost(svc service, region string, fips, dualStack bool) string {
	p := partitionOf(region)
	name, suffix := svc.signingName, p.suffix
	if fips {
		name += "-fips"
	}
	if dualStack {
		suffix = p.dualStackSuffix
	}
	switch svc.signingName {
	case ssmService.signingName:
		// GovCloud's SSM endpoints are FIPS already: no ssm-fips host
		// there, unless dual-stack.
		if fips && !dualStack && p.id == "aws-us-gov" {
			name = svc.signingName
		}
	case secretsManager.signingName:
		// Secrets Manager's own endpoints are dual-stack in the commercial
		// and GovCloud partitions, and in China except FIPS.
		if dualStack && (p.id == "aws" || p.id == "aws-us-gov" || p.id == "aws-cn" && !fips) {
			suffix = p.suffix
		}
	}
	return name + "." + region + "." + suffix
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
//  6. https://<service>[-fips].<region>.<partition's [dual-stack] suffix>,
//     as the service's endpoint rules in the SDK say (regionalHost).
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
		raw = "https://" + regionalHost(svc, cfg.Region, useFIPS(ctx, cfg), useDualStack(ctx, cfg))
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
		ignore, _ = fromSources(cfg, func(src any) (bool, bool, error) {
			if p, ok := src.(interface {
				GetIgnoreConfiguredEndpoints(context.Context) (bool, bool, error)
			}); ok {
				return p.GetIgnoreConfiguredEndpoints(ctx)
			}
			return false, false, nil
		})
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
		v, _ := fromSources(cfg, func(src any) (string, bool, error) {
			if p, ok := src.(interface {
				GetServiceBaseEndpoint(ctx context.Context, sdkID string) (string, bool, error)
			}); ok {
				v, found, err := p.GetServiceBaseEndpoint(ctx, svc.sdkID)
				return v, found && v != "", err
			}
			return "", false, nil
		})
		if v != "" {
			return v
		}
	}
	return aws.ToString(cfg.BaseEndpoint)
}

// useFIPS reports whether AWS_USE_FIPS_ENDPOINT (or use_fips_endpoint in
// the shared config file) asks for FIPS endpoints: a deployment that set
// it must not be sent to a non-FIPS one.
func useFIPS(ctx context.Context, cfg aws.Config) bool {
	v, _ := fromSources(cfg, func(src any) (aws.FIPSEndpointState, bool, error) {
		if p, ok := src.(interface {
			GetUseFIPSEndpoint(context.Context) (aws.FIPSEndpointState, bool, error)
		}); ok {
			return p.GetUseFIPSEndpoint(ctx)
		}
		return 0, false, nil
	})
	return v == aws.FIPSEndpointStateEnabled
}

// useDualStack reports whether AWS_USE_DUALSTACK_ENDPOINT (or
// use_dualstack_endpoint in the shared config file) asks for dual-stack
// endpoints: an IPv6-only subnet cannot reach the others.
func useDualStack(ctx context.Context, cfg aws.Config) bool {
	v, _ := fromSources(cfg, func(src any) (aws.DualStackEndpointState, bool, error) {
		if p, ok := src.(interface {
			GetUseDualStackEndpoint(context.Context) (aws.DualStackEndpointState, bool, error)
		}); ok {
			return p.GetUseDualStackEndpoint(ctx)
		}
		return 0, false, nil
	})
	return v == aws.DualStackEndpointStateEnabled
}

// fromSources is the first value get finds in cfg's config sources (the
// environment's, then the shared config file's, as config.LoadDefaultConfig
// orders them), as the SDK's internal configsources helpers look settings
// up; get reports found false for a source that does not have it.
func fromSources[T any](cfg aws.Config, get func(src any) (T, bool, error)) (T, bool) {
	for _, src := range cfg.ConfigSources {
		if v, found, err := get(src); err == nil && found {
			return v, true
		}
	}
	var zero T
	return zero, false
}
