package webhook

import (
	"context"

	"github.com/wenyun/wenyun/internal/culture"
)

// Guarded returns svc with every URL it stores checked by g first: a URL
// pointing at the server itself, or (unless allowed) at a private address,
// is refused as invalid input and nothing is stored.
func Guarded(svc culture.WebhookService, g *Guard) culture.WebhookService {
	return guarded{WebhookService: svc, guard: g}
}

type guarded struct {
	culture.WebhookService
	guard *Guard
}

// CreateWebhook checks w's form and URL, then creates it.
func (s guarded) CreateWebhook(ctx context.Context, w *culture.Webhook) error {
	if err := w.Validate(); err != nil {
		return err
	}
	if err := s.guard.CheckURL(w.URL); err != nil {
		return err
	}
	return s.WebhookService.CreateWebhook(ctx, w)
}

// UpdateWebhook checks a new URL, then updates.
func (s guarded) UpdateWebhook(ctx context.Context, id int64, upd culture.WebhookUpdate, by int64) (*culture.Webhook, error) {
	if upd.URL != nil {
		if err := s.guard.CheckURL(*upd.URL); err != nil {
			return nil, err
		}
	}
	return s.WebhookService.UpdateWebhook(ctx, id, upd, by)
}
