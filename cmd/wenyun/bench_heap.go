package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"syscall"
	"time"
)

// Heap profiles of the bench's child server: a diagnostic for "bench grab
// --heap-profile FILE" only. The child is then the hidden "wenyun bench
// serve --heap-profile FILE …", which writes FILE (a pprof heap profile,
// for "go tool pprof") and FILE.txt (runtime.MemStats and the number of
// goroutines) each time it receives SIGUSR1. The bench sends SIGUSR1
// whenever the child's sampled RSS reaches a new peak (at most every
// heapProfileEvery), so the files left at the end describe the heap near
// the highest peak. No route and no serve flag reaches this code.

// heapProfileEvery spaces the profiles the bench asks for.
const heapProfileEvery = 250 * time.Millisecond

// heapProfileStep is how far (kB) above the last profiled peak the RSS
// must rise before the bench asks for another profile.
const heapProfileStep = 4 << 10

// writeHeapProfilesOnSignal writes the heap profile to file on every
// SIGUSR1 until ctx ends.
func writeHeapProfilesOnSignal(ctx context.Context, file string) {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGUSR1)
	go func() {
		defer signal.Stop(sig)
		for {
			select {
			case <-ctx.Done():
				return
			case <-sig:
				if err := writeHeapProfile(file); err != nil {
					fmt.Fprintf(os.Stderr, "heap profile: %v\n", err)
				}
			}
		}
	}()
}

// writeHeapProfile writes file and file.txt, each through a temporary
// file renamed into place.
func writeHeapProfile(file string) error {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms) // before the profile allocates
	g := runtime.NumGoroutine()
	if err := writeFileAtomic(file, func(f *os.File) error { return pprof.Lookup("heap").WriteTo(f, 0) }); err != nil {
		return err
	}
	const m = 1 << 20
	return writeFileAtomic(file+".txt", func(f *os.File) error {
		_, err := fmt.Fprintf(f, "time %s\ngoroutines %d\nSys %.1f MiB\nHeapAlloc %.1f MiB\nHeapInuse %.1f MiB\n"+
			"HeapIdle %.1f MiB\nHeapReleased %.1f MiB\nHeapSys %.1f MiB\nStackInuse %.1f MiB\nStackSys %.1f MiB\n"+
			"MSpanInuse %.1f MiB\nGCSys %.1f MiB\nOtherSys %.1f MiB\nNextGC %.1f MiB\nNumGC %d\n",
			time.Now().Format("15:04:05.000"), g, float64(ms.Sys)/m, float64(ms.HeapAlloc)/m, float64(ms.HeapInuse)/m,
			float64(ms.HeapIdle)/m, float64(ms.HeapReleased)/m, float64(ms.HeapSys)/m, float64(ms.StackInuse)/m,
			float64(ms.StackSys)/m, float64(ms.MSpanInuse)/m, float64(ms.GCSys)/m, float64(ms.OtherSys)/m,
			float64(ms.NextGC)/m, ms.NumGC)
		return err
	})
}

func writeFileAtomic(name string, write func(*os.File) error) error {
	f, err := os.Create(name + ".tmp")
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(name+".tmp", name)
}
