package sms

import (
	"context"
	"errors"

	"github.com/wenyun/wenyun/internal/notify"
)

// HTTP sends sign-in codes through the SMS gateway that also carries
// notifications (notify.SMSGateway: Aliyun SendSms style, signed
// requests), with the code template cfg.CodeTemplate and its variable
// ${code}. The gateway lives in notify so notify needs nothing from here.
type HTTP struct {
	gw *notify.SMSGateway
}

// NewHTTP returns the gateway code sender for cfg.
func NewHTTP(cfg notify.SMSConfig) (*HTTP, error) {
	if cfg.CodeTemplate == "" {
		return nil, errors.New("sms: code template is required")
	}
	gw, err := notify.NewSMSGateway(cfg)
	if err != nil {
		return nil, err
	}
	return &HTTP{gw: gw}, nil
}

// SendCode texts code to phone. No OutId: each code is a new message, and a
// resident who asks again should get the new one.
func (h *HTTP) SendCode(ctx context.Context, phone, code string) error {
	return h.gw.Send(ctx, phone, h.gw.Config().CodeTemplate, "", map[string]string{"code": code})
}
