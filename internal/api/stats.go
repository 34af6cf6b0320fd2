package api

// statsRoutes lists the issue-6 routes of this file; each answers 404 without
// its service.
func (a *API) statsRoutes(r router) {}
