// Package sms sends sign-in codes. The console sender writes them to the
// log, for development and the demo; HTTP sends them through the SMS
// gateway of the notification channels (notify.SMSGateway).
package sms

import (
	"context"
	"log/slog"
)

// Sender delivers a one-time sign-in code to a mobile number.
type Sender interface {
	SendCode(ctx context.Context, phone, code string) error
}

// Console writes codes to the log instead of sending them.
type Console struct {
	Logger *slog.Logger
}

// SendCode logs the code.
func (c Console) SendCode(ctx context.Context, phone, code string) error {
	c.Logger.InfoContext(ctx, "sms code (console driver)", "phone", phone, "code", code)
	return nil
}
