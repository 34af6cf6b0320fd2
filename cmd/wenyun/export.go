package main

import "context"

// runExport is "wenyun export report|bookings".
func runExport(ctx context.Context, o Options, args []string) error {
	return usageErrorf("export: not built yet")
}
