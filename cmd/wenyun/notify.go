package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/mail"
	"net/url"
	"time"

	"github.com/wenyun/wenyun/internal/culture"
	"github.com/wenyun/wenyun/internal/notify"
	"github.com/wenyun/wenyun/internal/notifyq"
	"github.com/wenyun/wenyun/internal/sms"
	"github.com/wenyun/wenyun/internal/sqlstore"
	"github.com/wenyun/wenyun/internal/web"
	"github.com/wenyun/wenyun/internal/webhook"
)

// notifyFlags configure the notification channels. SMS follows
// --notify-sms. E-mail and WeChat use their gateway when configured;
// with no gateway at all they are the console driver (development,
// --demo), but once any gateway is configured an unconfigured one is off,
// and its sends fail with "未配置" instead of being logged as sent.
type notifyFlags struct {
	SMS                                                       string // console or http
	SMSEndpoint, SMSKeyID, SMSKeySecret, SMSSign, SMSTemplate string
	// SMSCodeTemplate is the gateway template of sign-in codes (--sms http).
	SMSCodeTemplate                                          string
	SMTPAddr, SMTPUser, SMTPPassword, SMTPFrom               string
	WeChatAppID, WeChatSecret, WeChatTemplate, WeChatBaseURL string
	// PublicURL is the site's address as residents reach it; links in
	// messages start with it.
	PublicURL string
}

// notifyFlagNames are bound to WENYUN_* like the other flags.
var notifyFlagNames = []string{"notify-sms", "sms-endpoint", "sms-key-id", "sms-key-secret", "sms-sign-name",
	"sms-template", "sms-code-template", "smtp-addr", "smtp-user", "smtp-password", "smtp-from", "wechat-appid", "wechat-secret",
	"wechat-template", "wechat-base-url", "public-url"}

func (n *notifyFlags) define(fs *flagSet) {
	fs.StringVar(&n.SMS, "notify-sms", "console", "send SMS notifications with this `driver`: console (log them) or http\n"+
		"(an Aliyun-style SendSms gateway, set by the --sms-* flags)")
	fs.StringVar(&n.SMSEndpoint, "sms-endpoint", "", "SMS gateway `URL`, such as https://dysmsapi.aliyuncs.com/")
	fs.StringVar(&n.SMSKeyID, "sms-key-id", "", "SMS gateway AccessKeyId")
	fs.StringVar(&n.SMSKeySecret, "sms-key-secret", "", "SMS gateway AccessKeySecret (signs requests; never logged)")
	fs.StringVar(&n.SMSSign, "sms-sign-name", "", "the approved SMS signature, such as 某某文化馆")
	fs.StringVar(&n.SMSTemplate, "sms-template", "", "SMS notification `template` code, with variables ${title} ${body} ${link}")
	fs.StringVar(&n.SMSCodeTemplate, "sms-code-template", "", "sign-in code `template` code (--sms http), with the variable ${code}")
	fs.StringVar(&n.SMTPAddr, "smtp-addr", "", "send e-mail notifications through this SMTP submission server, `host:port`\n"+
		"(STARTTLS required except on a loopback address)")
	fs.StringVar(&n.SMTPUser, "smtp-user", "", "SMTP user name; empty sends without AUTH")
	fs.StringVar(&n.SMTPPassword, "smtp-password", "", "SMTP password (never logged)")
	fs.StringVar(&n.SMTPFrom, "smtp-from", "", "the From `address` of e-mail, such as \"某某文化馆 <noreply@example.cn>\"")
	fs.StringVar(&n.WeChatAppID, "wechat-appid", "", "send WeChat official-account template messages as this AppID")
	fs.StringVar(&n.WeChatSecret, "wechat-secret", "", "the official account's AppSecret (never logged)")
	fs.StringVar(&n.WeChatTemplate, "wechat-template", "", "template message `id`, with fields first, keyword1, remark")
	fs.StringVar(&n.WeChatBaseURL, "wechat-base-url", "", "WeChat API `URL`; empty means https://api.weixin.qq.com")
	fs.StringVar(&n.PublicURL, "public-url", "", "the site's `URL` as residents reach it, such as https://wenyun.example.cn: links\n"+
		"in notifications start with it; required with a gateway (empty: http://localhost and --addr's port)")
}

// smsOn, smtpOn and wechatOn report which gateways are configured.
func (n *notifyFlags) smsOn() bool  { return n.SMS == "http" }
func (n *notifyFlags) smtpOn() bool { return n.SMTPAddr+n.SMTPUser+n.SMTPPassword+n.SMTPFrom != "" }
func (n *notifyFlags) wechatOn() bool {
	return n.WeChatAppID+n.WeChatSecret+n.WeChatTemplate+n.WeChatBaseURL != ""
}
func (n *notifyFlags) anyGateway() bool {
	return n.smsOn() || n.smtpOn() || n.wechatOn()
}

// validate reports every mistake, by the name the user typed; it never
// echoes a secret.
func (n *notifyFlags) validate(c *Config) error {
	return errors.Join(
		checkOneOf(c.name("notify-sms"), n.SMS, "want console or http", "console", "http"),
		n.validateSMS(c), n.validateSMTP(c), n.validateWeChat(c),
		checkPublicURL(c.name("public-url"), n.PublicURL, n.anyGateway()),
	)
}

func (n *notifyFlags) validateSMS(c *Config) error {
	gateway := map[string]string{"sms-endpoint": n.SMSEndpoint, "sms-key-id": n.SMSKeyID,
		"sms-key-secret": n.SMSKeySecret, "sms-sign-name": n.SMSSign}
	notifyOn, codesOn := n.smsOn(), c.SMS == "http"
	if !notifyOn && !codesOn {
		gateway["sms-template"], gateway["sms-code-template"] = n.SMSTemplate, n.SMSCodeTemplate
		return setWithout(c, gateway, `neither --notify-sms nor --sms is "http"`)
	}
	errs := []error{requireAll(c, `an SMS gateway (--notify-sms http or --sms http)`, gateway),
		checkHTTPURL(c.name("sms-endpoint"), n.SMSEndpoint)}
	template := map[string]string{"sms-template": n.SMSTemplate}
	if notifyOn {
		errs = append(errs, requireAll(c, "--notify-sms http", template))
	} else {
		errs = append(errs, setWithout(c, template, `--notify-sms is not "http"`))
	}
	codeTemplate := map[string]string{"sms-code-template": n.SMSCodeTemplate}
	if codesOn {
		errs = append(errs, requireAll(c, "--sms http", codeTemplate))
	} else {
		errs = append(errs, setWithout(c, codeTemplate, `--sms is not "http"`))
	}
	return errors.Join(errs...)
}

// codeSender returns how sign-in codes are sent: through the SMS gateway
// with --sms http, else to the log.
func (n *notifyFlags) codeSender(driver string, log *slog.Logger) (sms.Sender, error) {
	if driver != "http" {
		return sms.Console{Logger: log}, nil
	}
	return sms.NewHTTP(notify.SMSConfig{Endpoint: n.SMSEndpoint, KeyID: n.SMSKeyID, KeySecret: n.SMSKeySecret,
		SignName: n.SMSSign, CodeTemplate: n.SMSCodeTemplate})
}

func (n *notifyFlags) validateSMTP(c *Config) error {
	if !n.smtpOn() {
		return nil
	}
	errs := []error{requireAll(c, "e-mail", map[string]string{"smtp-addr": n.SMTPAddr, "smtp-from": n.SMTPFrom})}
	if n.SMTPAddr != "" {
		errs = append(errs, checkSMTPAddr(c.name("smtp-addr"), n.SMTPAddr))
	}
	if a, err := mail.ParseAddress(n.SMTPFrom); n.SMTPFrom != "" && (err != nil || a.Address == "") {
		errs = append(errs, fmt.Errorf(`%s %q: want an address such as "某某文化馆 <noreply@example.cn>"`, c.name("smtp-from"), n.SMTPFrom))
	}
	if (n.SMTPUser == "") != (n.SMTPPassword == "") {
		errs = append(errs, fmt.Errorf("%s and %s: set both, or neither to send without AUTH", c.name("smtp-user"), c.name("smtp-password")))
	}
	return errors.Join(errs...)
}

func (n *notifyFlags) validateWeChat(c *Config) error {
	if !n.wechatOn() {
		return nil
	}
	return errors.Join(
		requireAll(c, "WeChat", map[string]string{"wechat-appid": n.WeChatAppID, "wechat-secret": n.WeChatSecret,
			"wechat-template": n.WeChatTemplate}),
		checkHTTPURL(c.name("wechat-base-url"), n.WeChatBaseURL),
	)
}

// requireAll reports each empty setting that what needs, in flag order.
func requireAll(c *Config, what string, set map[string]string) error {
	var errs []error
	for _, name := range notifyFlagNames {
		if v, ok := set[name]; ok && v == "" {
			errs = append(errs, fmt.Errorf("%s: %s needs it (or %s)", c.name(name), what, envName(name)))
		}
	}
	return errors.Join(errs...)
}

// setWithout reports each setting given although it has no effect.
func setWithout(c *Config, set map[string]string, why string) error {
	var errs []error
	for _, name := range notifyFlagNames {
		if v, ok := set[name]; ok && v != "" {
			errs = append(errs, fmt.Errorf("%s: set, but %s", c.name(name), why))
		}
	}
	return errors.Join(errs...)
}

// checkHTTPURL accepts an empty value (the default) or an http(s) URL.
func checkHTTPURL(name, v string) error {
	if u, err := url.Parse(v); v != "" && (err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "") {
		return fmt.Errorf("%s %q: want an http:// or https:// URL", name, v)
	}
	return nil
}

func checkSMTPAddr(name, addr string) error {
	if host, _, err := net.SplitHostPort(addr); err != nil || host == "" || checkAddr(name, addr) != nil {
		return fmt.Errorf("%s %q: want host:port such as smtp.example.cn:587", name, addr)
	}
	return nil
}

// checkPublicURL wants the site's root: links are built under it. A
// gateway needs it, since residents follow links from their phones.
func checkPublicURL(name, v string, required bool) error {
	if v == "" && required {
		return fmt.Errorf("%s: required with an SMS, e-mail or WeChat gateway, so that links in messages work; "+
			"such as https://wenyun.example.cn", name)
	}
	u, err := url.Parse(v)
	if v != "" && (err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		u.RawQuery != "" || u.Fragment != "" || u.User != nil || web.CheckPublicURL(v) != nil) {
		return fmt.Errorf("%s %q: want the site's http:// or https:// address, such as https://wenyun.example.cn", name, v)
	}
	return nil
}

// publicURL returns the links' base: --public-url, else the local address.
func (n *notifyFlags) publicURL(addr string) string {
	if n.PublicURL != "" {
		return n.PublicURL
	}
	_, port, _ := net.SplitHostPort(addr) // validated
	return "http://localhost:" + port
}

// channels builds the configured drivers; see notifyFlags for which.
func (n *notifyFlags) channels(log *slog.Logger) (notify.Channels, error) {
	chs := notify.Channels{}
	if !n.anyGateway() {
		for _, ch := range culture.ExternalChannels {
			chs[ch.Value] = notify.NewConsole(ch.Value, log)
		}
		return chs, nil
	}
	var errs []error
	add := func(ch notify.Channel, err error) {
		if errs = append(errs, err); err == nil {
			chs[ch.Name()] = ch
		}
	}
	if n.smsOn() {
		add(notify.NewSMS(notify.SMSConfig{Endpoint: n.SMSEndpoint, KeyID: n.SMSKeyID, KeySecret: n.SMSKeySecret,
			SignName: n.SMSSign, TemplateCode: n.SMSTemplate}))
	} else if n.SMS == "console" {
		chs[culture.ChannelSMS] = notify.NewConsole(culture.ChannelSMS, log)
	}
	if n.smtpOn() {
		add(notify.NewSMTP(notify.SMTPConfig{Addr: n.SMTPAddr, Username: n.SMTPUser, Password: n.SMTPPassword,
			From: n.SMTPFrom, StartTLS: true}))
	}
	if n.wechatOn() {
		add(notify.NewWeChat(notify.WeChatConfig{BaseURL: n.WeChatBaseURL, AppID: n.WeChatAppID,
			Secret: n.WeChatSecret, TemplateID: n.WeChatTemplate}))
	}
	return chs, errors.Join(errs...)
}

// webhookFlags configure webhook delivery, which runs on the notification
// queue.
type webhookFlags struct {
	// AllowPrivate lets webhooks reach loopback and private addresses
	// (tests, intranet deployments); never the server itself.
	AllowPrivate bool
	// Attempts bounds a delivery's attempts; 0 is the queue's default (10).
	Attempts int
	// RetryDelay, when positive, spaces every retry by it instead of
	// river's backoff (attempt⁴ seconds).
	RetryDelay time.Duration
}

// webhookFlagNames are bound to WENYUN_* like the other flags.
var webhookFlagNames = []string{"webhook-allow-private", "webhook-attempts", "webhook-retry-delay"}

// maxWebhookAttempts bounds --webhook-attempts: 25 attempts with river's
// backoff (attempt⁴ seconds) stretch over about 20 days, the last wait
// alone about four.
const maxWebhookAttempts = 25

func (wf *webhookFlags) define(fs *flagSet) {
	fs.BoolVar(&wf.AllowPrivate, "webhook-allow-private", false, "let webhooks reach loopback, private and link-local addresses (tests,\n"+
		"intranet deployments); never this server itself (--public-url, --addr)")
	fs.IntVar(&wf.Attempts, "webhook-attempts", 0, "attempts of a webhook delivery before it fails, 1 to 25; 0 is the default, 10,\n"+
		"which with the backoff span about 4 hours")
	fs.DurationVar(&wf.RetryDelay, "webhook-retry-delay", 0, "wait this long between webhook attempts; 0 backs off as attempt⁴ seconds")
}

func (wf *webhookFlags) validate(c *Config) error {
	var errs []error
	if wf.Attempts < 0 || wf.Attempts > maxWebhookAttempts {
		errs = append(errs, fmt.Errorf("%s %d: want 1 to %d, or 0 for the default", c.name("webhook-attempts"), wf.Attempts, maxWebhookAttempts))
	}
	if wf.RetryDelay < 0 || wf.RetryDelay > 24*time.Hour {
		errs = append(errs, fmt.Errorf("%s %v: want 0 (backoff) or a duration up to 24h, such as 30s", c.name("webhook-retry-delay"), wf.RetryDelay))
	}
	return errors.Join(errs...)
}

// webhookGuard returns the guard of every webhook URL and connection:
// the public URL and the listen address are the server itself (serve
// adds the address it actually listens on once it does).
func (c *Config) webhookGuard() *webhook.Guard {
	if c.guard == nil {
		g := webhook.NewGuard(c.Webhook.AllowPrivate)
		// Both are validated; an error would only leave the rule out.
		g.AddSelfURL(c.Notify.publicURL(c.Addr)) //nolint:errcheck // validated
		g.AddListener(c.Addr)                    //nolint:errcheck // validated
		c.guard = g
	}
	return c.guard
}

// webhookOptions are the queue's options for webhook delivery.
func (c *Config) webhookOptions(opts *notifyq.Options) {
	opts.Webhooks = webhook.NewSender(c.webhookGuard(), webhook.DefaultTimeout)
	opts.WebhookAttempts = c.Webhook.Attempts
	if d := c.Webhook.RetryDelay; d > 0 {
		opts.WebhookRetryDelay = func(int) time.Duration { return d }
	}
}

// startNotify starts the delivery queue and makes the store queue new
// sends and webhook deliveries with it; stop it with stopNotify before
// the store closes.
func startNotify(ctx context.Context, store *sqlstore.Store, cfg *Config, log *slog.Logger) (*notifyq.Queue, error) {
	chs, err := cfg.Notify.channels(log)
	if err != nil {
		return nil, fmt.Errorf("notification channels: %w", err)
	}
	logChannels(chs, log)
	opts := notifyq.Options{DSN: cfg.DB, PublicURL: cfg.Notify.publicURL(cfg.Addr), Logger: log}
	cfg.webhookOptions(&opts)
	q, err := notifyq.New(ctx, store, chs, opts)
	if err != nil {
		return nil, fmt.Errorf("notification queue: %w", err)
	}
	// Not ctx: a signal must let sends in progress finish (stopNotify).
	if err := q.Start(context.WithoutCancel(ctx)); err != nil {
		stopNotify(q, time.Second, log) // closes river's pool
		return nil, fmt.Errorf("notification queue: %w", err)
	}
	store.SetSendHook(q.Hook())
	store.SetWebhookHook(q.WebhookHook())
	return q, nil
}

// logChannels says how each external channel is delivered.
func logChannels(chs notify.Channels, log *slog.Logger) {
	for _, ch := range culture.ExternalChannels {
		if _, ok := chs[ch.Value]; !ok {
			log.Warn("notification channel not configured: its sends fail", "channel", ch.Value)
		}
	}
}

// stopNotify lets sends in progress finish, up to timeout; serve calls it
// after the HTTP server and the booking engine stopped, before the store
// closes.
func stopNotify(q *notifyq.Queue, timeout time.Duration, log *slog.Logger) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := q.Stop(ctx); err != nil {
		log.Error("stop notification queue", "err", err)
	}
}
