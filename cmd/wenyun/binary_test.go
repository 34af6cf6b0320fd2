package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestBinary builds wenyun and runs it as a subprocess: the way an operator
// or a container starts it.
func TestBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildBinary(t)

	t.Run("Version", func(t *testing.T) {
		out, err := exec.Command(bin, "version").Output()
		if err != nil || !strings.HasPrefix(string(out), "wenyun v9.9.9-test go") {
			t.Errorf("version: %q, %v", out, err)
		}
	})
	t.Run("ErrUsageExits2", func(t *testing.T) {
		cmd := exec.Command(bin, "serve", "--addr", "abc", "--log-format", "xml")
		out, err := cmd.CombinedOutput()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 2 {
			t.Fatalf("err = %v, want exit status 2", err)
		}
		want := "wenyun: --addr \"abc\": want host:port such as :8080\n" +
			"wenyun: --log-format \"xml\": want json or text\n"
		if string(out) != want {
			t.Errorf("stderr =\n%s\nwant\n%s", out, want)
		}
	})
	t.Run("ServeAndSIGTERM", func(t *testing.T) {
		cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0")
		cmd.Env = append(os.Environ(), "WENYUN_DB="+tempDB(t), "WENYUN_LOG_FORMAT=json")
		stderr, err := cmd.StderrPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		defer cmd.Process.Kill()
		addr := listeningAddr(t, stderr)
		resp, err := http.Get("http://" + addr + "/healthz")
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("healthz: %v %v", resp, err)
		}
		resp.Body.Close()
		if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		go io.Copy(io.Discard, stderr) //nolint:errcheck // drain the rest of the log
		if err := cmd.Wait(); err != nil {
			t.Errorf("after SIGTERM: %v, want exit status 0", err)
		}
	})
}

func buildBinary(tb testing.TB) string {
	tb.Helper()
	gotool, err := exec.LookPath("go")
	if err != nil {
		tb.Skip("no go tool")
	}
	bin := filepath.Join(tb.TempDir(), "wenyun")
	cmd := exec.Command(gotool, "build", "-o", bin, "-ldflags", "-X main.version=v9.9.9-test", ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// listeningAddr reads JSON log lines until "listening" and returns its addr.
func listeningAddr(tb testing.TB, log io.Reader) string {
	tb.Helper()
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(log)
		for sc.Scan() {
			var line struct{ Msg, Addr string }
			if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "listening" {
				found <- line.Addr
				return
			}
		}
		close(found)
	}()
	select {
	case addr, ok := <-found:
		if !ok || addr == "" {
			tb.Fatal("the log ended without a listening line")
		}
		return addr
	case <-time.After(60 * time.Second):
		tb.Fatal("no listening line within a minute")
	}
	return ""
}
