package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/switchyard-llm/switchyard/internal/config"
	"github.com/switchyard-llm/switchyard/internal/configsource"
	"github.com/switchyard-llm/switchyard/internal/store/dynamo"
)

// pushRegions is `gateway config push --regions r1,r2 FILE`: the same
// config written to each region's config table, so that routers, budgets
// and keys are the same wherever Route 53 sends a caller. Each region's
// tables come from SWITCHYARD_CONFIG_TABLE_<REGION> (US_EAST_1), else
// SWITCHYARD_CONFIG_TABLE (dynamo.RegionTables). The file is validated
// once, before any region is written; every region is then tried, each
// reported on its own line, and the command fails if any failed.
func pushRegions(ctx context.Context, regions []string, file string, stdout io.Writer) error {
	data, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	doc, err := config.ParseDocument(data)
	if err != nil {
		return err
	}
	if _, err := configsource.Validate(doc); err != nil {
		return fmt.Errorf("%s is invalid (no region written):\n%w", file, err)
	}
	var failed []string
	for _, region := range regions {
		n, table, err := pushRegion(ctx, region, doc)
		if err != nil {
			failed = append(failed, region)
			fmt.Fprintf(stdout, "%s: FAILED: %v\n", region, err)
			continue
		}
		fmt.Fprintf(stdout, "%s: pushed %d records to %s\n", region, n, table)
	}
	if len(failed) > 0 {
		return fmt.Errorf("config push failed in %d of %d regions (%s): push again once they are reachable; the others hold the new config",
			len(failed), len(regions), strings.Join(failed, ", "))
	}
	return nil
}

func pushRegion(ctx context.Context, region string, doc map[string]any) (int, string, error) {
	tables := dynamo.RegionTables(region, os.Getenv)
	if tables.Config == "" {
		return 0, "", fmt.Errorf("no config table: set %s_%s or %s", dynamo.EnvConfigTable, strings.ToUpper(strings.ReplaceAll(region, "-", "_")), dynamo.EnvConfigTable)
	}
	st, err := dynamo.NewForRegion(ctx, region, tables, os.Getenv)
	if err != nil {
		return 0, "", err
	}
	n, err := configsource.Push(ctx, st, doc)
	return n, tables.Config, err
}

// pushArgs parses `config push [--regions r1,r2] FILE`: regions is nil
// without --regions (this region's tables, as before).
func pushArgs(args []string) (regions []string, file string, err error) {
	fs := flag.NewFlagSet("config push", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	list := fs.String("regions", "", "comma-separated regions to push to")
	if err := fs.Parse(args); err != nil || fs.NArg() != 1 {
		return nil, "", errors.New("usage: gateway config push [--regions r1,r2] FILE")
	}
	for _, r := range strings.Split(*list, ",") {
		if r = strings.TrimSpace(r); r != "" {
			regions = append(regions, r)
		}
	}
	if *list != "" && len(regions) == 0 {
		return nil, "", errors.New("--regions: no region given")
	}
	return regions, fs.Arg(0), nil
}
