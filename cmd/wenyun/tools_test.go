package main

import (
	"bytes"
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/wenyun/wenyun/internal/culture"
	"github.com/wenyun/wenyun/internal/demo"
)

func TestMigrate(t *testing.T) {
	db := tempDB(t)
	if out := runOK(t, nil, "migrate", "--db", db); out != "migrated sqlite\n" {
		t.Errorf("stdout = %q", out)
	}
	// Again: nothing left to do, same report.
	if out := runOK(t, map[string]string{"WENYUN_DB": db}, "migrate"); out != "migrated sqlite\n" {
		t.Errorf("second run: stdout = %q", out)
	}
}

func TestToken(t *testing.T) {
	db := tempDB(t)
	seedActivity(t, db) // the hub 解放区文化馆
	args := []string{"token", "--db", db, "--phone", "13912345678", "--role", "hub_admin",
		"--unit", "解放区文化馆", "--name", "测试员"}
	token := runOK(t, nil, args...)
	if strings.Count(token, "\n") != 1 || len(strings.TrimSpace(token)) < 16 {
		t.Fatalf("stdout = %q, want one token line", token)
	}
	token = strings.TrimSpace(token)
	// Again, with the grant already there: a second token, no error.
	if again := strings.TrimSpace(runOK(t, nil, args...)); again == token {
		t.Error("the second token equals the first")
	}

	srv := startServe(t, db)
	if resp, body := srv.get(t, "/api/v1/me/bookings", token); resp.StatusCode != http.StatusOK {
		t.Errorf("with token: status %d:\n%s", resp.StatusCode, body)
	}
	if resp, _ := srv.get(t, "/api/v1/me/bookings", ""); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("without token: status %d, want 401", resp.StatusCode)
	}
	if err := srv.stop(); err != nil {
		t.Fatal(err)
	}
	accts, _, err := openStore(t, db).FindAccounts(context.Background(), culture.AccountFilter{Phone: ptr("13912345678")})
	if err != nil || len(accts) != 1 {
		t.Fatalf("accounts = %v, %v", accts, err)
	}
	if a := accts[0]; a.Name != "测试员" || len(a.Grants) != 1 || a.Grants[0].Role != "hub_admin" {
		t.Errorf("account = %+v with grants %+v; want 测试员 with one hub_admin grant", a, a.Grants)
	}
}

func TestTokenErrors(t *testing.T) {
	db := tempDB(t)
	seedActivity(t, db)
	tests := []struct {
		name string
		args []string
		want string
		code int
	}{
		{"ErrNoPhone", nil, "--phone is required", 2},
		{"ErrPhone", []string{"--phone", "12345"}, `--phone "12345": want an 11-digit mobile number`, 2},
		{"ErrRoleWithoutUnit", []string{"--phone", "13912345678", "--role", "checker"}, "--role and --unit go together", 2},
		{"ErrRole", []string{"--phone", "13912345678", "--role", "king", "--unit", "1"}, `--role "king": want operator`, 2},
		{"ErrUnitName", []string{"--phone", "13912345678", "--role", "checker", "--unit", "无此馆"},
			`--unit "无此馆": no unit has that name`, 1},
		{"ErrUnitID", []string{"--phone", "13912345678", "--role", "checker", "--unit", "999"}, "--unit 999:", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout bytes.Buffer
			o := Options{Stdout: &stdout}
			err := o.Run(context.Background(), append([]string{"token", "--db", db}, tt.args...))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
			if code := exitCode(err); code != tt.code {
				t.Errorf("exit code %d, want %d", code, tt.code)
			}
			if stdout.Len() > 0 {
				t.Errorf("stdout = %q, want nothing", stdout.String())
			}
		})
	}
}

func TestDemo(t *testing.T) {
	db := tempDB(t)
	var stdout, stderr bytes.Buffer
	o := Options{Stdout: &stdout, Stderr: &stderr}
	if err := o.Run(context.Background(), []string{"demo", "--db", db, "--residents", "5"}); err != nil {
		t.Fatalf("demo: %v\n%s", err, stderr.String())
	}
	for _, want := range []string{"演示账号 / Demo sign-ins", "operator", demo.Password, demo.DemoPhone, "log"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout.String())
		}
	}
	if !strings.Contains(stderr.String(), "demo: residents") {
		t.Errorf("no progress on stderr:\n%s", stderr.String())
	}

	t.Run("ErrNotEmpty", func(t *testing.T) {
		err := Options{}.Run(context.Background(), []string{"demo", "--db", db})
		if err == nil || !strings.Contains(err.Error(), "only into an empty database") {
			t.Errorf("err = %v, want a refusal", err)
		}
	})
	t.Run("ServeDemoPrintsSignIns", func(t *testing.T) {
		srv := startServe(t, db, "--demo")
		out := srv.out.String()
		for _, want := range []string{"演示账号 / Demo sign-ins", "operator", "hub", demo.Password, demo.DemoPhone} {
			if !strings.Contains(out, want) {
				t.Errorf("stdout lacks %q:\n%s", want, out)
			}
		}
	})
}

func TestRunCommands(t *testing.T) {
	tests := []struct {
		name  string
		args  []string
		want  string // in stdout
		errIs string // in the error, if any
		code  int
	}{
		{"NoArgs", nil, "Commands:", "", 0},
		{"Help", []string{"help"}, "token", "", 0},
		{"HelpServe", []string{"help", "serve"}, "--shutdown-timeout duration", "", 0},
		{"ServeDashH", []string{"serve", "-h"}, "env WENYUN_SECURE_COOKIES", "", 0},
		{"Version", []string{"version"}, "wenyun dev go", "", 0},
		{"ErrUnknown", []string{"frobnicate"}, "", `unknown command "frobnicate"`, 2},
		{"ErrDemoResidents", []string{"demo", "--residents", "-3"}, "", "--residents -3", 2},
		{"ErrMigrateDB", []string{"migrate", "--db", "mysql://x"}, "", `--db "mysql://x": use sqlite:PATH`, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout bytes.Buffer
			err := run(context.Background(), tt.args, mapEnv(nil), &stdout, &bytes.Buffer{})
			if code := exitCode(err); code != tt.code || (err != nil && !strings.Contains(err.Error(), tt.errIs)) {
				t.Fatalf("err = %v (exit %d), want exit %d with %q", err, code, tt.code, tt.errIs)
			}
			if !strings.Contains(stdout.String(), tt.want) {
				t.Errorf("stdout lacks %q:\n%s", tt.want, stdout.String())
			}
		})
	}
}

// runOK runs wenyun with args and env and returns its stdout.
func runOK(tb testing.TB, env map[string]string, args ...string) string {
	tb.Helper()
	var stdout, stderr bytes.Buffer
	if err := run(context.Background(), args, mapEnv(env), &stdout, &stderr); err != nil {
		tb.Fatalf("wenyun %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String()
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func ptr[T any](v T) *T { return &v }
