package api

import "net/http"

// router is what routes registers on: an *http.ServeMux, or a recorder in
// the test that checks the OpenAPI document.
type router interface {
	Handle(pattern string, h http.Handler)
}

// routes lists every route of the API. Routes wrapped in requireAccount
// need a bearer token; the OpenAPI document marks them with bearerAuth.
func (a *API) routes(r router) {
	r.Handle("GET /api/v1/openapi.json", http.HandlerFunc(a.handleOpenAPI))

	r.Handle("POST /api/v1/auth/code", http.HandlerFunc(a.handleAuthCode))
	r.Handle("POST /api/v1/auth/token", http.HandlerFunc(a.handleAuthToken))

	r.Handle("GET /api/v1/units", http.HandlerFunc(a.handleUnitIndex))

	r.Handle("GET /api/v1/activities", http.HandlerFunc(a.handleActivityIndex))
	r.Handle("GET /api/v1/activities/{id}", http.HandlerFunc(a.handleActivityView))
	r.Handle("POST /api/v1/activities", a.requireAccount(a.handleActivityCreate))
	r.Handle("POST /api/v1/activities/{id}/bookings", a.requireAccount(a.handleBookingCreate))
	r.Handle("GET /api/v1/activities/{id}/lottery", http.HandlerFunc(a.handleLotteryView))

	r.Handle("GET /api/v1/bookings/{id}", a.requireAccount(a.handleBookingView))
	r.Handle("POST /api/v1/bookings/{id}/cancel", a.requireAccount(a.handleBookingCancel))
	r.Handle("POST /api/v1/bookings/{id}/claim", a.requireAccount(a.handleOfferClaim))
	r.Handle("POST /api/v1/bookings/{id}/waive", a.requireAccount(a.handleNoShowWaive))

	r.Handle("POST /api/v1/checkins", a.requireAccount(a.handleCheckinCreate))

	r.Handle("GET /api/v1/me", a.requireAccount(a.handleMe))
	r.Handle("GET /api/v1/me/bookings", a.requireAccount(a.handleMyBookings))
	r.Handle("GET /api/v1/me/record", a.requireAccount(a.handleMyRecord))
	r.Handle("GET /api/v1/me/family", a.requireAccount(a.handleFamilyIndex))
	r.Handle("POST /api/v1/me/family", a.requireAccount(a.handleFamilyCreate))
	r.Handle("DELETE /api/v1/me/family/{id}", a.requireAccount(a.handleFamilyDelete))

	a.menuRoutes(r)
	a.communityRoutes(r)
	a.newsRoutes(r)
	// Issue 6: stats.go (figures), report.go (reports and exports),
	// feed.go (calendar feed URL), webhook.go, opendata.go.
	a.statsRoutes(r)
	a.reportRoutes(r)
	a.feedRoutes(r)
	a.webhookRoutes(r)
	a.openDataRoutes(r)
}

// communityRoutes lists the inbox, notification preferences and branch
// communities. Each answers 404 without its service.
func (a *API) communityRoutes(r router) {
	n := a.with(a.inbox != nil, errNoInbox)
	r.Handle("GET /api/v1/me/notifications", a.requireAccount(n(a.handleNotificationIndex)))
	r.Handle("POST /api/v1/me/notifications/{id}/read", a.requireAccount(n(a.handleNotificationRead)))
	r.Handle("POST /api/v1/me/notifications/read-all", a.requireAccount(n(a.handleNotificationReadAll)))
	r.Handle("GET /api/v1/me/notification-prefs", a.requireAccount(n(a.handlePrefsView)))
	r.Handle("PUT /api/v1/me/notification-prefs", a.requireAccount(n(a.handlePrefsUpdate)))

	c := a.with(a.community != nil, errNoCommunities)
	r.Handle("GET /api/v1/communities", http.HandlerFunc(c(a.handleCommunityIndex)))
	r.Handle("GET /api/v1/communities/{unit_id}", a.optionalAccount(c(a.handleCommunityView)))
	r.Handle("PUT /api/v1/communities/{unit_id}/membership", a.requireAccount(c(a.handleCommunityJoin)))
	r.Handle("DELETE /api/v1/communities/{unit_id}/membership", a.requireAccount(c(a.handleCommunityLeave)))
	r.Handle("GET /api/v1/communities/{unit_id}/members", a.requireAccount(c(a.handleMemberIndex)))
	r.Handle("GET /api/v1/communities/{unit_id}/announcements", http.HandlerFunc(c(a.handleAnnouncementIndex)))
	r.Handle("POST /api/v1/communities/{unit_id}/announcements", a.requireAccount(c(a.handleAnnouncementCreate)))
}

// newsRoutes lists news (资讯) and the moderation of ratings. Each answers
// 404 without its service.
func (a *API) newsRoutes(r router) {
	n := a.with(a.news != nil, errNoNews)
	r.Handle("GET /api/v1/news", http.HandlerFunc(n(a.handleNewsIndex)))
	r.Handle("GET /api/v1/news/{id}", a.optionalAccount(n(a.handleNewsView)))
	r.Handle("POST /api/v1/news", a.requireAccount(n(a.handleNewsCreate)))
	r.Handle("PUT /api/v1/news/{id}", a.requireAccount(n(a.handleNewsUpdate)))
	r.Handle("DELETE /api/v1/news/{id}", a.requireAccount(n(a.handleNewsDelete)))

	m := a.with(a.moderation != nil, errNoModeration)
	r.Handle("GET /api/v1/ratings", a.requireAccount(m(a.handleRatingIndex)))
	r.Handle("POST /api/v1/ratings/{id}/hide", a.requireAccount(m(a.handleRatingHide)))
	r.Handle("POST /api/v1/ratings/{id}/show", a.requireAccount(m(a.handleRatingShow)))
}

// with returns a wrapper that answers 404 with err unless present: the
// optional services are wired or not once, when the routes are built.
func (a *API) with(present bool, err error) func(http.HandlerFunc) http.HandlerFunc {
	return func(next http.HandlerFunc) http.HandlerFunc {
		if present {
			return next
		}
		return func(w http.ResponseWriter, r *http.Request) { a.writeError(w, r, err) }
	}
}

// menuRoutes lists the routes of the culture menu: providers, items and
// their review, supports, branch requests, deliveries, ratings, series.
// Those that need the MenuService answer 404 without it.
func (a *API) menuRoutes(r router) {
	m := a.withMenu
	r.Handle("GET /api/v1/providers", http.HandlerFunc(m(a.handleProviderIndex)))
	r.Handle("POST /api/v1/providers", a.requireAccount(m(a.handleProviderCreate)))
	r.Handle("GET /api/v1/providers/{id}", a.optionalAccount(m(a.handleProviderView)))
	r.Handle("PUT /api/v1/providers/{id}", a.requireAccount(m(a.handleProviderUpdate)))
	r.Handle("GET /api/v1/providers/{id}/items", a.requireAccount(m(a.handleProviderItems)))
	r.Handle("POST /api/v1/providers/{id}/items", a.requireAccount(m(a.handleProviderItemCreate)))
	r.Handle("GET /api/v1/providers/{id}/deliveries", a.requireAccount(m(a.handleProviderDeliveries)))

	r.Handle("GET /api/v1/menu", http.HandlerFunc(m(a.handleMenuIndex)))
	r.Handle("GET /api/v1/menu/{id}", a.optionalAccount(m(a.handleMenuView)))
	r.Handle("PUT /api/v1/menu/{id}", a.requireAccount(m(a.handleMenuUpdate)))
	r.Handle("GET /api/v1/menu/{id}/ratings", a.optionalAccount(m(a.handleMenuRatings)))
	r.Handle("POST /api/v1/menu/{id}/support", a.requireAccount(m(a.handleSupportCreate)))
	r.Handle("DELETE /api/v1/menu/{id}/support", a.requireAccount(m(a.handleSupportDelete)))
	r.Handle("GET /api/v1/me/supports", a.requireAccount(m(a.handleMySupports)))

	r.Handle("GET /api/v1/review", a.requireAccount(m(a.handleReviewIndex)))
	r.Handle("POST /api/v1/review/{id}/approve", a.requireAccount(m(a.handleReviewApprove)))
	r.Handle("POST /api/v1/review/{id}/return", a.requireAccount(m(a.handleReviewReturn)))

	r.Handle("POST /api/v1/requests", a.requireAccount(m(a.handleRequestCreate)))
	r.Handle("GET /api/v1/requests", a.requireAccount(m(a.handleRequestIndex)))
	r.Handle("POST /api/v1/requests/{id}/withdraw", a.requireAccount(m(a.handleRequestWithdraw)))
	r.Handle("POST /api/v1/requests/{id}/decline", a.requireAccount(m(a.handleRequestDecline)))
	r.Handle("GET /api/v1/demand", a.requireAccount(m(a.handleDemand)))
	r.Handle("GET /api/v1/figures", a.requireAccount(m(a.handleFigures)))

	r.Handle("POST /api/v1/deliveries", a.requireAccount(m(a.handleDeliveryCreate)))
	r.Handle("GET /api/v1/deliveries", a.requireAccount(m(a.handleDeliveryIndex)))
	r.Handle("GET /api/v1/deliveries/{id}", a.requireAccount(m(a.handleDeliveryView)))
	r.Handle("PATCH /api/v1/deliveries/{id}", a.requireAccount(m(a.handleDeliveryPatch)))
	r.Handle("POST /api/v1/deliveries/{id}/confirm", a.requireAccount(m(a.handleDeliveryConfirm)))
	r.Handle("POST /api/v1/deliveries/{id}/decline", a.requireAccount(m(a.handleDeliveryDecline)))
	r.Handle("POST /api/v1/deliveries/{id}/cancel", a.requireAccount(m(a.handleDeliveryCancel)))
	r.Handle("POST /api/v1/deliveries/{id}/settle", a.requireAccount(m(a.handleDeliverySettle)))

	r.Handle("POST /api/v1/activities/{id}/ratings", a.requireAccount(m(a.handleRatingCreate)))
	r.Handle("GET /api/v1/series", http.HandlerFunc(a.handleSeriesIndex))
	r.Handle("GET /api/v1/series/{id}", a.optionalAccount(m(a.handleSeriesView)))
	r.Handle("GET /api/v1/series/{id}/activities", http.HandlerFunc(a.handleSeriesActivities))
	r.Handle("PUT /api/v1/series/{id}/follow", a.requireAccount(m(a.handleSeriesFollow)))
	r.Handle("DELETE /api/v1/series/{id}/follow", a.requireAccount(m(a.handleSeriesUnfollow)))
}
