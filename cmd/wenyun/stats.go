package main

import "context"

// runStats is "wenyun stats rebuild|verify".
func runStats(ctx context.Context, o Options, args []string) error {
	return usageErrorf("stats: not built yet")
}
