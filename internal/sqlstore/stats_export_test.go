package sqlstore

import "testing"

// SetRollupApplyHook makes every RebuildRollups call fn(store) between
// its recount and its apply, until the test ends. Tests only: it lets a
// test write through the store while a rebuild is under way.
func SetRollupApplyHook(tb testing.TB, fn func(*Store)) {
	tb.Helper()
	rollupApplyHook.Store(&fn)
	tb.Cleanup(func() { rollupApplyHook.Store(nil) })
}
