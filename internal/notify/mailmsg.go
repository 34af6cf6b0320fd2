package notify

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"mime"
	"net/mail"
	"strings"
	"time"
)

// MessageIDDomain is the right-hand side of the Message-IDs we make.
const MessageIDDomain = "wenyun"

// composeMail builds an RFC 5322 message with a UTF-8 plain-text body in
// base64. Headers with Chinese use RFC 2047 encoded-words.
func composeMail(from, to *mail.Address, m Message, now time.Time) []byte {
	var b bytes.Buffer
	header := func(name, value string) { fmt.Fprintf(&b, "%s: %s\r\n", name, value) }
	header("From", from.String())
	header("To", to.String())
	header("Subject", mime.BEncoding.Encode("UTF-8", oneLine(m.Title)))
	header("Date", now.Format(time.RFC1123Z))
	header("Message-ID", MessageID(m.Key))
	header("Auto-Submitted", "auto-generated") // RFC 3834: no auto-replies
	header("MIME-Version", "1.0")
	header("Content-Type", "text/plain; charset=UTF-8")
	header("Content-Transfer-Encoding", "base64")
	b.WriteString("\r\n")
	writeBase64Lines(&b, []byte(mailBody(m)))
	return b.Bytes()
}

// mailBody is the text: greeting, body and the link.
func mailBody(m Message) string {
	var b strings.Builder
	if name := oneLine(m.To.Name); name != "" {
		b.WriteString(name + "，您好：\r\n\r\n")
	}
	b.WriteString(strings.ReplaceAll(strings.ReplaceAll(m.Body, "\r\n", "\n"), "\n", "\r\n"))
	b.WriteString("\r\n")
	if m.Link != "" {
		b.WriteString("\r\n查看详情：" + m.Link + "\r\n")
	}
	b.WriteString("\r\n（本邮件由系统自动发送，请勿直接回复。）\r\n")
	return b.String()
}

// writeBase64Lines writes data in base64 lines of 76 characters (RFC 2045).
func writeBase64Lines(b *bytes.Buffer, data []byte) {
	enc := base64.StdEncoding.EncodeToString(data)
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n")
}

// MessageID is the e-mail Message-ID for a notification key:
// <key@wenyun>. Bytes not allowed in a Message-ID's left part (RFC 5322
// atext: ":" in "remind24:b:1", spaces, non-ASCII), dots (which may not
// lead, trail or repeat) and "=" itself become =XX, so distinct keys keep
// distinct IDs.
func MessageID(key string) string {
	var b strings.Builder
	for i := 0; i < len(key); i++ {
		c := key[i]
		if c != '=' && isAtext(c) {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "=%02X", c)
	}
	return "<" + b.String() + "@" + MessageIDDomain + ">"
}

// isAtext reports whether c is RFC 5322 atext.
func isAtext(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		strings.IndexByte("!#$%&'*+-/=?^_`{|}~", c) >= 0
}

// oneLine folds line breaks to spaces: user text in a header must not add
// headers.
func oneLine(s string) string {
	return strings.TrimSpace(strings.NewReplacer("\r\n", " ", "\r", " ", "\n", " ").Replace(s))
}
