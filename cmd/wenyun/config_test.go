package main

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// defaults is serve's configuration when nothing is set.
var defaults = Config{
	Addr: ":8080", DB: defaultDB, SMS: "console", LogLevel: "info", LogFormat: "json",
	ShutdownTimeout: 15 * time.Second, FairWindow: 2 * time.Second,
	Grab:   grabFlags{NoShowLimit: 2, NoShowDays: 120, BanDays: 30, CancelCutoff: 2 * time.Hour, OfferWindow: 30 * time.Minute},
	Notify: notifyFlags{SMS: "console"},
}

// smsGatewayArgs configure the SMS gateway completely.
var smsGatewayArgs = []string{"--notify-sms", "http", "--sms-endpoint", "https://dysmsapi.aliyuncs.com/",
	"--sms-key-id", "LTAI-x", "--sms-key-secret", "sms-s3cret", "--sms-sign-name", "文云文化馆",
	"--sms-template", "SMS_1", "--public-url", "https://wenyun.example.cn"}

// withSMSGateway is smsGatewayArgs in the configuration.
func withSMSGateway(c *Config) {
	c.Notify = notifyFlags{SMS: "http", SMSEndpoint: "https://dysmsapi.aliyuncs.com/", SMSKeyID: "LTAI-x",
		SMSKeySecret: "sms-s3cret", SMSSign: "文云文化馆", SMSTemplate: "SMS_1", PublicURL: "https://wenyun.example.cn"}
}

func TestParseConfig(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want func(c *Config) // changes to defaults
	}{
		{"Defaults", nil, nil, func(c *Config) {}},
		{"Flags", []string{
			"--addr", "127.0.0.1:9000", "--db", "postgres://wenyun@db.internal/wenyun", "--demo",
			"--log-level", "debug", "--log-format", "text", "--secure-cookies",
			"--dev-templates", "../../internal/web", "--shutdown-timeout", "3s",
		}, nil, func(c *Config) {
			c.Addr, c.DB, c.Demo = "127.0.0.1:9000", "postgres://wenyun@db.internal/wenyun", true
			c.LogLevel, c.LogFormat, c.SecureCookies = "debug", "text", true
			c.DevTemplates, c.ShutdownTimeout = "../../internal/web", 3*time.Second
		}},
		{"Env", nil, map[string]string{
			"WENYUN_ADDR": ":9000", "WENYUN_DB": "sqlite:/tmp/x.db", "WENYUN_DEMO": "true",
			"WENYUN_SMS": "console", "WENYUN_LOG_LEVEL": "warn", "WENYUN_LOG_FORMAT": "text",
			"WENYUN_SECURE_COOKIES": "1", "WENYUN_DEV_TEMPLATES": "../../internal/web",
			"WENYUN_SHUTDOWN_TIMEOUT": "1m",
		}, func(c *Config) {
			c.Addr, c.DB, c.Demo = ":9000", "sqlite:/tmp/x.db", true
			c.LogLevel, c.LogFormat, c.SecureCookies = "warn", "text", true
			c.DevTemplates, c.ShutdownTimeout = "../../internal/web", time.Minute
		}},
		{"FlagWinsOverEnv", []string{"--addr", ":7000", "--demo=false", "--db", "sqlite:flag.db"},
			map[string]string{"WENYUN_ADDR": ":9000", "WENYUN_DEMO": "true", "WENYUN_DB": "sqlite:env.db"},
			func(c *Config) { c.Addr, c.DB = ":7000", "sqlite:flag.db" }},
		{"EmptyEnvIsUnset", nil, map[string]string{"WENYUN_ADDR": ""}, func(c *Config) {}},
		{"FairWindow", []string{"--fair-window", "500ms"}, nil, func(c *Config) { c.FairWindow = 500 * time.Millisecond }},
		{"GrabRules", []string{"--noshow-limit", "3", "--noshow-days", "90", "--noshow-ban-days", "14",
			"--cancel-cutoff", "1h", "--weekly-cap", "2", "--offer-window", "10m"}, nil, func(c *Config) {
			c.Grab.NoShowLimit, c.Grab.NoShowDays, c.Grab.BanDays = 3, 90, 14
			c.Grab.CancelCutoff, c.Grab.WeeklyCap, c.Grab.OfferWindow = time.Hour, 2, 10*time.Minute
		}},
		{"GrabEnv", nil, map[string]string{"WENYUN_WEEKLY_CAP": "3", "WENYUN_SECRET_KEY": strings.Repeat("ab", 32)},
			func(c *Config) { c.Grab.WeeklyCap, c.Grab.SecretKey = 3, strings.Repeat("ab", 32) }},
		{"FairWindowEnvOff", nil, map[string]string{"WENYUN_FAIR_WINDOW": "0s"}, func(c *Config) { c.FairWindow = 0 }},
		{"MemoryLimit", []string{"--memory-limit", "256MiB"}, nil, func(c *Config) { c.MemoryLimit = 256 << 20 }},
		{"MemoryLimitEnv", nil, map[string]string{"WENYUN_MEMORY_LIMIT": "1GiB"}, func(c *Config) { c.MemoryLimit = 1 << 30 }},
		{"MemoryLimitBytes", []string{"--memory-limit", "100000000"}, nil, func(c *Config) { c.MemoryLimit = 100_000_000 }},
		{"MemoryLimitOff", []string{"--memory-limit", "0"}, nil, func(c *Config) {}},
		{"TrustedProxies", []string{"--trusted-proxies", "127.0.0.1, 10.0.0.0/8,::1"}, nil,
			func(c *Config) { c.TrustedProxies = "127.0.0.1, 10.0.0.0/8,::1" }},
		{"TrustedProxiesEnv", nil, map[string]string{"WENYUN_TRUSTED_PROXIES": "fd00::/8"},
			func(c *Config) { c.TrustedProxies = "fd00::/8" }},
		{"MetricsAddr", []string{"--metrics-addr", "127.0.0.1:9090"}, nil, func(c *Config) { c.MetricsAddr = "127.0.0.1:9090" }},
		{"MetricsAddrEnv", nil, map[string]string{"WENYUN_METRICS_ADDR": ":9090"}, func(c *Config) { c.MetricsAddr = ":9090" }},
		{"NotifySMSGateway", smsGatewayArgs, nil, withSMSGateway},
		{"NotifyEnv", nil, map[string]string{
			"WENYUN_SMTP_ADDR": "smtp.example.cn:587", "WENYUN_SMTP_USER": "noreply", "WENYUN_SMTP_PASSWORD": "p",
			"WENYUN_SMTP_FROM": "文云文化馆 <noreply@example.cn>", "WENYUN_WECHAT_APPID": "wx123", "WENYUN_WECHAT_SECRET": "s",
			"WENYUN_WECHAT_TEMPLATE": "T1", "WENYUN_WECHAT_BASE_URL": "http://127.0.0.1:9999",
			"WENYUN_PUBLIC_URL": "https://wenyun.example.cn/",
		}, func(c *Config) {
			c.Notify = notifyFlags{SMS: "console", SMTPAddr: "smtp.example.cn:587", SMTPUser: "noreply", SMTPPassword: "p",
				SMTPFrom: "文云文化馆 <noreply@example.cn>", WeChatAppID: "wx123", WeChatSecret: "s", WeChatTemplate: "T1",
				WeChatBaseURL: "http://127.0.0.1:9999", PublicURL: "https://wenyun.example.cn/"}
		}},
		{"PublicURLAlone", []string{"--public-url", "http://192.168.1.5:8080"}, nil,
			func(c *Config) { c.Notify.PublicURL = "http://192.168.1.5:8080" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseConfig(Options{Getenv: mapEnv(tt.env)}, tt.args)
			if err != nil {
				t.Fatal(err)
			}
			want := defaults
			tt.want(&want)
			if diff := cmp.Diff(&want, got, cmpopts.IgnoreUnexported(Config{})); diff != "" {
				t.Errorf("config (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseConfigErrors(t *testing.T) {
	tests := []struct {
		name  string
		args  []string
		env   map[string]string
		wants []string // each a line of the message
	}{
		{"ErrAddr", []string{"--addr", "abc"}, nil, []string{`--addr "abc": want host:port such as :8080`}},
		{"ErrAddrPort", []string{"--addr", ":http-ish"}, nil, []string{`--addr ":http-ish": want host:port`}},
		{"ErrAddrFromEnv", nil, map[string]string{"WENYUN_ADDR": "abc"},
			[]string{`WENYUN_ADDR "abc": want host:port such as :8080`}},
		{"ErrDB", []string{"--db", "mysql://x"}, nil, []string{`--db "mysql://x": use sqlite:PATH or postgres://…`}},
		{"ErrDBEmptyPath", []string{"--db", "sqlite:"}, nil, []string{`--db "sqlite:": give a file after sqlite:`}},
		{"ErrLogLevel", []string{"--log-level", "verbose"}, nil,
			[]string{`--log-level "verbose": want debug, info, warn or error`}},
		{"ErrLogFormat", []string{"--log-format", "xml"}, nil, []string{`--log-format "xml": want json or text`}},
		{"ErrSMS", []string{"--sms", "x"}, nil, []string{`--sms "x": want console or http`}},
		{"ErrSMSFromEnv", nil, map[string]string{"WENYUN_SMS": "aliyun"},
			[]string{`WENYUN_SMS "aliyun": want console or http`}},
		{"ErrDevTemplates", []string{"--dev-templates", "/nonexistent"}, nil,
			[]string{`--dev-templates "/nonexistent": no templates/layout.html there`}},
		{"ErrShutdownTimeout", []string{"--shutdown-timeout", "0s"}, nil,
			[]string{`--shutdown-timeout 0s: want a positive duration such as 15s`}},
		{"ErrFairWindow", []string{"--fair-window", "2m"}, nil,
			[]string{`--fair-window 2m0s: want a duration from 0 to 60s, such as 2s`}},
		{"ErrFairWindowNegative", nil, map[string]string{"WENYUN_FAIR_WINDOW": "-1s"},
			[]string{`WENYUN_FAIR_WINDOW -1s: want a duration from 0 to 60s`}},
		{"ErrMemoryLimitSmall", []string{"--memory-limit", "1MiB"}, nil,
			[]string{`--memory-limit 1MiB: want 0 (off) or at least 32MiB, such as 256MiB`}},
		{"ErrMemoryLimitUnit", []string{"--memory-limit", "256MB"}, nil,
			[]string{`serve: invalid value "256MB" for flag -memory-limit: want a size such as 256MiB`}},
		{"ErrMemoryLimitEnv", nil, map[string]string{"WENYUN_MEMORY_LIMIT": "lots"},
			[]string{`WENYUN_MEMORY_LIMIT "lots": want a size such as 256MiB (units B, KiB, MiB, GiB, TiB), or 0`}},
		{"ErrTrustedProxies", []string{"--trusted-proxies", "10.0.0.1,nginx"}, nil,
			[]string{`--trusted-proxies "10.0.0.1,nginx": "nginx" is not an IP address such as 10.0.0.1; want IPs or CIDRs separated by commas`}},
		{"ErrTrustedProxiesCIDR", nil, map[string]string{"WENYUN_TRUSTED_PROXIES": "10.0.0.0/40"},
			[]string{`WENYUN_TRUSTED_PROXIES "10.0.0.0/40": "10.0.0.0/40" is not a CIDR prefix such as 10.0.0.0/8`}},
		{"ErrMetricsAddr", []string{"--metrics-addr", "9090"}, nil,
			[]string{`--metrics-addr "9090": want host:port such as 127.0.0.1:9090`}},
		{"ErrMetricsAddrSame", nil, map[string]string{"WENYUN_METRICS_ADDR": ":8080"},
			[]string{`WENYUN_METRICS_ADDR ":8080": the same as --addr`}},
		{"ErrNoShowLimit", []string{"--noshow-limit", "0"}, nil,
			[]string{`--noshow-limit 0: want a whole number from 1 to 100`}},
		{"ErrWeeklyCapEnv", nil, map[string]string{"WENYUN_WEEKLY_CAP": "-1"},
			[]string{`WENYUN_WEEKLY_CAP -1: want a whole number from 0 to 100`}},
		{"ErrCancelCutoff", []string{"--cancel-cutoff", "-1h"}, nil,
			[]string{`--cancel-cutoff -1h0m0s: want a duration from 0 to 168h`}},
		{"ErrOfferWindow", []string{"--offer-window", "10s"}, nil,
			[]string{`--offer-window 10s: want a duration from 1m to 24h`}},
		{"ErrSecretKey", nil, map[string]string{"WENYUN_SECRET_KEY": "not-hex-secret"},
			[]string{`WENYUN_SECRET_KEY: want 64 hex digits`}},
		{"ErrBoolEnv", nil, map[string]string{"WENYUN_DEMO": "maybe"}, []string{`WENYUN_DEMO "maybe": want true or false`}},
		{"ErrDurationEnv", nil, map[string]string{"WENYUN_SHUTDOWN_TIMEOUT": "15"},
			[]string{`WENYUN_SHUTDOWN_TIMEOUT "15": want a duration such as 15s`}},
		{"ErrUnknownFlag", []string{"--port", "80"}, nil,
			[]string{`serve: flag provided but not defined: -port (see "wenyun serve -h")`}},
		{"ErrArgument", []string{"now"}, nil, []string{`serve: unexpected argument "now"`}},
		{"ErrNotifySMS", []string{"--notify-sms", "aliyun"}, nil, []string{`--notify-sms "aliyun": want console or http`}},
		{"ErrSMSGatewayIncomplete", []string{"--notify-sms", "http", "--sms-endpoint", "ftp://x", "--public-url", "https://w.cn"},
			map[string]string{"WENYUN_SMS_KEY_ID": "LTAI-x"}, []string{
				`--sms-key-secret: an SMS gateway (--notify-sms http or --sms http) needs it (or WENYUN_SMS_KEY_SECRET)`,
				`--sms-sign-name: an SMS gateway (--notify-sms http or --sms http) needs it (or WENYUN_SMS_SIGN_NAME)`,
				`--sms-endpoint "ftp://x": want an http:// or https:// URL`,
				`--sms-template: --notify-sms http needs it (or WENYUN_SMS_TEMPLATE)`,
			}},
		{"ErrSMSCodesIncomplete", []string{"--sms", "http", "--sms-endpoint", "https://sms.example.cn/",
			"--sms-key-id", "LTAI-x", "--sms-key-secret", "s", "--sms-sign-name", "文化馆", "--sms-template", "SMS_1"}, nil, []string{
			`--sms-template: set, but --notify-sms is not "http"`,
			`--sms-code-template: --sms http needs it (or WENYUN_SMS_CODE_TEMPLATE)`,
		}},
		{"ErrSMSSettingsWithConsole", nil, map[string]string{"WENYUN_SMS_KEY_SECRET": "sms-s3cret"},
			[]string{`WENYUN_SMS_KEY_SECRET: set, but neither --notify-sms nor --sms is "http"`}},
		{"ErrGatewayWithoutPublicURL", smsGatewayArgs[:len(smsGatewayArgs)-2], nil,
			[]string{`--public-url: required with an SMS, e-mail or WeChat gateway`}},
		{"ErrPublicURL", []string{"--public-url", "wenyun.example.cn"}, nil,
			[]string{`--public-url "wenyun.example.cn": want the site's http:// or https:// address`}},
		{"ErrPublicURLHost", []string{"--public-url", "https://文化 馆.cn"}, nil,
			[]string{`--public-url "https://文化 馆.cn": want the site's http:// or https:// address`}},
		{"ErrSMTP", []string{"--smtp-addr", "smtp.example.cn", "--smtp-password", "smtp-s3cret", "--public-url", "https://w.cn"}, nil,
			[]string{
				`--smtp-from: e-mail needs it (or WENYUN_SMTP_FROM)`,
				`--smtp-addr "smtp.example.cn": want host:port such as smtp.example.cn:587`,
				`--smtp-user and --smtp-password: set both, or neither`,
			}},
		{"ErrSMTPFrom", []string{"--smtp-addr", "smtp.example.cn:587", "--smtp-from", "noreply", "--public-url", "https://w.cn"}, nil,
			[]string{`--smtp-from "noreply": want an address such as`}},
		{"ErrWeChat", []string{"--wechat-appid", "wx1", "--wechat-base-url", "api.weixin.qq.com", "--public-url", "https://w.cn"},
			map[string]string{"WENYUN_WECHAT_SECRET": "wx-s3cret"}, []string{
				`--wechat-template: WeChat needs it (or WENYUN_WECHAT_TEMPLATE)`,
				`--wechat-base-url "api.weixin.qq.com": want an http:// or https:// URL`,
			}},
		{"ErrSeveral", []string{"--addr", "abc", "--log-format", "xml"}, nil,
			[]string{`--addr "abc": want`, `--log-format "xml": want`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseConfig(Options{Getenv: mapEnv(tt.env)}, tt.args)
			if err == nil {
				t.Fatal("no error")
			}
			lines := strings.Split(err.Error(), "\n")
			if len(lines) != len(tt.wants) {
				t.Errorf("got %d lines, want %d:\n%s", len(lines), len(tt.wants), err)
			}
			for i, want := range tt.wants {
				if i < len(lines) && !strings.HasPrefix(lines[i], want) {
					t.Errorf("line %d = %q, want it to start %q", i+1, lines[i], want)
				}
			}
			if code := exitCode(err); code != 2 {
				t.Errorf("exit code = %d, want 2", code)
			}
		})
	}
}

func TestParseConfigHidesPassword(t *testing.T) {
	_, err := parseConfig(Options{}, []string{"--db", "postgres://wenyun:s3cret@/%zz"})
	if err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Fatalf("err = %v; want an error without the password", err)
	}
}

func TestParseConfigHidesNotifySecrets(t *testing.T) {
	args := []string{"--notify-sms", "http", "--sms-key-secret", "sms-s3cret", "--smtp-password", "smtp-s3cret",
		"--wechat-secret", "wx-s3cret", "--public-url", "x"}
	_, err := parseConfig(Options{}, args)
	if err == nil {
		t.Fatal("no error")
	}
	for _, secret := range []string{"sms-s3cret", "smtp-s3cret", "wx-s3cret"} {
		if strings.Contains(err.Error(), secret) {
			t.Errorf("the error shows %s:\n%s", secret, err)
		}
	}
}

// mapEnv returns a getenv that reads m.
func mapEnv(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}
