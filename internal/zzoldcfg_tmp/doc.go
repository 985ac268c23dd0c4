// Package config is the gateway's config document (DESIGN §4): its types,
// parsing from YAML or JSON (or DynamoDB maps, which decode to the same
// generic shape), and validation that reports every error with its path,
// such as "routers.ab.targets[1].weight: must be > 0".
//
// A *Config that Parse returns without error is safe to serve: references
// resolve, there are no router cycles, and every condition compiles. It must
// not reach out to providers, stores or the network.
package config
