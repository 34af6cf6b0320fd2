package notify

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"strings"
	"time"

	"github.com/wenyun/wenyun/internal/culture"
)

// SMTPConfig configures e-mail over SMTP.
type SMTPConfig struct {
	Addr     string // host:port of the submission server, "smtp.example.cn:587"
	Username string // empty: no AUTH
	Password string
	From     string // "某某文化馆 <noreply@example.cn>"
	// StartTLS upgrades the connection with STARTTLS when the server offers
	// it. A server that does not offer it is refused, except on a loopback
	// address (a local relay, the tests). False sends in plain text.
	StartTLS bool
	// TLS overrides the STARTTLS settings (tests trust their own CA);
	// nil verifies the server's certificate against the system roots.
	TLS *tls.Config
	// Timeout bounds one whole send; 0 means 30 seconds.
	Timeout time.Duration
}

// smtpChannel is the e-mail notification channel.
type smtpChannel struct {
	cfg  SMTPConfig
	from *mail.Address
	host string
	now  func() time.Time
}

// NewSMTP returns the e-mail channel (culture.ChannelEmail) for cfg.
func NewSMTP(cfg SMTPConfig) (Channel, error) {
	host, _, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("smtp: address %q: %w", cfg.Addr, err)
	}
	from, err := mail.ParseAddress(cfg.From)
	if err != nil {
		return nil, fmt.Errorf("smtp: from %q: %w", cfg.From, err)
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 30 * time.Second
	}
	return &smtpChannel{cfg: cfg, from: from, host: host, now: time.Now}, nil
}

// Name returns culture.ChannelEmail.
func (*smtpChannel) Name() string { return culture.ChannelEmail }

// Send mails m to m.To.Email. SMTP 5xx replies are permanent; 4xx replies
// and network errors are retried.
func (c *smtpChannel) Send(ctx context.Context, m Message) error {
	if m.To.Email == "" {
		return noAddress("电子邮件", "电子邮件地址")
	}
	to, err := mail.ParseAddress(m.To.Email)
	if err != nil {
		return Permanent(fmt.Errorf("电子邮件：收件地址无效：%w", err))
	}
	to.Name = oneLine(m.To.Name)
	msg := composeMail(c.from, to, m, c.now())
	return classifySMTP(c.deliver(ctx, to.Address, msg))
}

// deliver runs one SMTP session: EHLO, STARTTLS, AUTH, MAIL, RCPT, DATA, QUIT.
func (c *smtpChannel) deliver(ctx context.Context, to string, msg []byte) error {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", c.cfg.Addr)
	if err != nil {
		return err
	}
	deadline, _ := ctx.Deadline()
	_ = conn.SetDeadline(deadline)
	// net/smtp takes no context: closing the connection ends a cancelled send.
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	cl, err := smtp.NewClient(conn, c.host)
	if err != nil {
		conn.Close()
		return err
	}
	defer cl.Close()
	if err := c.secure(cl); err != nil {
		return err
	}
	if err := c.transact(cl, to, msg); err != nil {
		return err
	}
	return cl.Quit()
}

// secure upgrades with STARTTLS and authenticates, as configured.
func (c *smtpChannel) secure(cl *smtp.Client) error {
	if err := cl.Hello(c.heloName()); err != nil {
		return err
	}
	if c.cfg.StartTLS {
		if ok, _ := cl.Extension("STARTTLS"); ok {
			if err := cl.StartTLS(c.tlsConfig()); err != nil {
				return err
			}
		} else if !isLoopback(c.host) {
			return errors.New("smtp: server does not offer STARTTLS")
		}
	}
	if c.cfg.Username == "" {
		return nil
	}
	// PlainAuth itself refuses to send the password in plain text to
	// anything but localhost.
	return cl.Auth(smtp.PlainAuth("", c.cfg.Username, c.cfg.Password, c.host))
}

// heloName is the name we greet with: the sender's domain, which servers
// that check EHLO names can resolve, unlike a bare "localhost".
func (c *smtpChannel) heloName() string {
	if _, domain, ok := strings.Cut(c.from.Address, "@"); ok && domain != "" {
		return domain
	}
	return "localhost"
}

// tlsConfig is cfg.TLS or a default verifying the server name.
func (c *smtpChannel) tlsConfig() *tls.Config {
	if c.cfg.TLS != nil {
		t := c.cfg.TLS.Clone()
		if t.ServerName == "" {
			t.ServerName = c.host
		}
		return t
	}
	return &tls.Config{ServerName: c.host, MinVersion: tls.VersionTLS12}
}

// transact sends the envelope and the message.
func (c *smtpChannel) transact(cl *smtp.Client, to string, msg []byte) error {
	if err := cl.Mail(c.from.Address); err != nil {
		return err
	}
	if err := cl.Rcpt(to); err != nil {
		return err
	}
	w, err := cl.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(msg); err != nil {
		return err
	}
	return w.Close()
}

// classifySMTP marks 5xx replies permanent; the rest stays retryable.
func classifySMTP(err error) error {
	if err == nil {
		return nil
	}
	var te *textproto.Error
	if errors.As(err, &te) && te.Code >= 500 {
		return Permanent(fmt.Errorf("电子邮件：%w", err))
	}
	return fmt.Errorf("电子邮件：%w", err)
}

// isLoopback reports whether host names this machine.
func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
