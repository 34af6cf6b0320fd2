package culture

// WebhookService manages webhooks and their delivery log (issue 6).
type WebhookService interface{}
