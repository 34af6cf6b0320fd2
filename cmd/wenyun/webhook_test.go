package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wenyun/wenyun/internal/culture"
	"github.com/wenyun/wenyun/internal/sqlstore"
	"github.com/wenyun/wenyun/internal/sqlstore/sqltest"
	"github.com/wenyun/wenyun/internal/webhook/webhooktest"
)

// hookWorld is what the serve webhook test seeds: a hub with a branch and
// an activity there starting within the check-in window, a planned
// delivery to the branch, and API tokens of the hub admin, a checker, the
// provider's staff and a resident.
type hookWorld struct {
	hub, branch                        int64
	activity, delivery                 int64
	admin, checker, provider, resident string
}

func seedHookWorld(t *testing.T, s *sqlstore.Store) hookWorld {
	t.Helper()
	ctx := t.Context()
	hub := &culture.Unit{Kind: culture.UnitHub, Name: "解放区文化馆"}
	must(t, s.CreateUnit(ctx, hub))
	branch := &culture.Unit{Kind: culture.UnitBranch, Name: "焦西街道分馆", ParentID: &hub.ID}
	must(t, s.CreateUnit(ctx, branch))
	room := &culture.Room{UnitID: branch.ID, Name: "多功能厅", Capacity: 80}
	must(t, s.CreateRoom(ctx, room))
	start := time.Now().Add(time.Hour).Truncate(time.Minute)
	act := &culture.Activity{UnitID: branch.ID, RoomID: &room.ID, Title: "少儿书法体验课", Category: "书法美术",
		StartsAt: start, EndsAt: start.Add(90 * time.Minute), Capacity: 20, Mode: culture.ModeFirstCome,
		OpensAt: time.Now().Add(-time.Hour), ClosesAt: start, MaxPerBooking: 2}
	_, err := s.CreateActivity(ctx, act, 1)
	must(t, err)
	w := hookWorld{hub: hub.ID, branch: branch.ID, activity: act.ID}
	staff := func(user, role string, unit int64, provider *int64) (int64, string) {
		a := &culture.Account{Username: user, Name: user}
		must(t, s.CreateStaff(ctx, a, user+"-pass-1"))
		must(t, s.CreateGrant(ctx, &culture.Grant{AccountID: a.ID, Role: role, UnitID: unit, ProviderID: provider}))
		token, err := s.CreateToken(ctx, a.ID, "test")
		must(t, err)
		return a.ID, token
	}
	planner, admin := staff("hub", culture.RoleHubAdmin, hub.ID, nil)
	_, w.checker = staff("checker", culture.RoleChecker, branch.ID, nil)
	p := &culture.Provider{HubID: hub.ID, Name: "焦作市豫剧团", Level: culture.LevelCity, Kind: "troupe"}
	must(t, s.CreateProvider(ctx, p))
	_, w.provider = staff("troupe", culture.RoleProviderStaff, hub.ID, &p.ID)
	w.admin = admin
	w.delivery = seedHookDelivery(t, s, hub.ID, branch.ID, room.ID, p.ID, planner)
	r, err := s.FindOrCreateResident(ctx, "13800138000")
	must(t, err)
	w.resident, err = s.CreateToken(ctx, r.ID, "test")
	must(t, err)
	return w
}

// seedHookDelivery publishes a menu item of the provider and plans its
// delivery to the branch's room in a week.
func seedHookDelivery(t *testing.T, s *sqlstore.Store, hub, branch, room, provider, planner int64) int64 {
	t.Helper()
	ctx := t.Context()
	item, err := s.SubmitMenuItem(ctx, provider, 0, culture.MenuItemFields{Title: "豫剧经典选段", Category: "戏曲",
		Format: culture.FormatPerformance, Sessions: 1, Groups: []string{"elderly", "adults"}, Minutes: 90,
		CapacityMin: 20, CapacityMax: 300, Cost: 3000, Description: "《花木兰》《穆桂英挂帅》选段。"}, planner)
	must(t, err)
	revs, err := s.FindPendingRevisions(ctx, hub)
	must(t, err)
	for _, r := range revs {
		must(t, s.ReviewMenuItem(ctx, r.ID, true, "", planner))
	}
	start := time.Now().Add(7 * 24 * time.Hour).Truncate(time.Hour)
	d := &culture.Delivery{ItemID: item.ID, UnitID: branch, RoomID: &room, StartsAt: start, EndsAt: start.Add(2 * time.Hour),
		Capacity: 60, Mode: culture.ModeFirstCome, CreatedBy: planner}
	must(t, s.PlanDelivery(ctx, d))
	return d.ID
}

// hookCall sends a request to serve with a bearer token, optional JSON body
// and headers, and decodes a JSON reply into out.
func (s *testServer) hookCall(t *testing.T, method, path, token, body string, want int, out any, header ...string) string {
	t.Helper()
	req, err := http.NewRequest(method, s.url+path, strings.NewReader(body))
	must(t, err)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Bearer "+token)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	must(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	must(t, err)
	if resp.StatusCode != want {
		t.Fatalf("%s %s: status %d, want %d: %s", method, path, resp.StatusCode, want, b)
	}
	if out != nil {
		must(t, json.Unmarshal(b, out))
	}
	return string(b)
}

// TestServeWebhooks: through serve, a webhook added by the API receives,
// signed with its secret, the events of a real booking (through the
// booking engine), its check-in and a delivery's confirmation; the first
// request fails and is retried after --webhook-retry-delay. A replayed
// booking delivers nothing new, and the server's own address is refused.
func TestServeWebhooks(t *testing.T) {
	for _, engine := range sqltest.Engines() {
		t.Run(engine, func(t *testing.T) {
			db := sqltest.DSN(t, engine)
			w := seedHookWorld(t, openStore(t, db))
			rx := webhooktest.NewReceiver(t)
			srv := startServe(t, db, "--log-format", "json", "--webhook-allow-private", "--webhook-retry-delay", "100ms")

			own := fmt.Sprintf(`{"unit_id":%d,"url":%q}`, w.hub, srv.url+"/hooks")
			if body := srv.hookCall(t, "POST", "/api/v1/webhooks", w.admin, own, 400, nil); !strings.Contains(body, "本系统自身") {
				t.Errorf("the server's own address: %s", body)
			}
			var hook struct {
				ID     int64  `json:"id"`
				Secret string `json:"secret"`
			}
			srv.hookCall(t, "POST", "/api/v1/webhooks", w.admin, fmt.Sprintf(`{"unit_id":%d,"url":%q}`, w.hub, rx.URL), 201, &hook)
			rx.SetSecret(hook.Secret)
			rx.FailNext(1)

			var booked struct {
				ID   int64  `json:"id"`
				Code string `json:"code"`
			}
			book := fmt.Sprintf("/api/v1/activities/%d/bookings", w.activity)
			srv.hookCall(t, "POST", book, w.resident, "", 201, &booked, "Idempotency-Key", "hook-1")
			srv.hookCall(t, "POST", book, w.resident, "", 201, nil, "Idempotency-Key", "hook-1") // a replay
			srv.hookCall(t, "POST", "/api/v1/checkins", w.checker, fmt.Sprintf(`{"code":%q}`, booked.Code), 200, nil)
			srv.hookCall(t, "POST", fmt.Sprintf("/api/v1/deliveries/%d/confirm", w.delivery), w.provider, "", 200, nil)

			want := []string{fmt.Sprintf("booking:%d:checked_in", booked.ID), fmt.Sprintf("booking:%d:confirmed", booked.ID),
				fmt.Sprintf("delivery:%d:published", w.delivery)}
			got := hookEventIDs(t, rx.WaitAccepted(t, len(want), 30*time.Second))
			if !slices.Equal(got, want) {
				t.Errorf("received %v, want %v", got, want)
			}
			log := waitHookLog(t, srv, w.admin, hook.ID, len(want))
			all := rx.Requests()
			if len(all) != len(want)+1 || all[0].Status != http.StatusInternalServerError {
				t.Errorf("receiver got %d requests (first %d), want %d with the first failed", len(all), all[0].Status, len(want)+1)
			}
			for _, r := range all {
				if r.VerifyErr != nil {
					t.Errorf("request %s did not verify: %v", r.Delivery, r.VerifyErr)
				}
			}
			attempts := 0
			for _, d := range log {
				attempts += d.Attempts
			}
			if attempts != len(want)+1 {
				t.Errorf("log %+v: want %d attempts in all", log, len(want)+1)
			}
		})
	}
}

// hookDelivery is a delivery in the API's log.
type hookDelivery struct {
	EventID  string `json:"event_id"`
	Status   string `json:"status"`
	Attempts int    `json:"attempts"`
}

// waitHookLog reads the webhook's log through the API until it holds n
// deliveries, all delivered (the last attempt is recorded just after the
// receiver answers), for up to 20 s.
func waitHookLog(t *testing.T, srv *testServer, token string, hookID int64, n int) []hookDelivery {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		var log struct {
			Items []hookDelivery `json:"items"`
		}
		srv.hookCall(t, "GET", fmt.Sprintf("/api/v1/webhooks/%d/deliveries", hookID), token, "", 200, &log)
		done := len(log.Items) == n
		for _, d := range log.Items {
			done = done && d.Status == culture.WebhookDelivered
		}
		if done {
			return log.Items
		}
		if time.Now().After(deadline) {
			t.Fatalf("webhook log after 20 s: %+v; want %d deliveries, all delivered", log.Items, n)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// hookEventIDs returns the ids of the requests' events, sorted.
func hookEventIDs(t *testing.T, reqs []webhooktest.Request) []string {
	t.Helper()
	var ids []string
	for _, r := range reqs {
		env, err := r.Envelope()
		must(t, err)
		if env.Type != r.Event {
			t.Errorf("event %s sent with X-Wenyun-Event %s", env.Type, r.Event)
		}
		ids = append(ids, env.ID)
	}
	slices.Sort(ids)
	return ids
}

// TestServeRequeuesLostWebhooks: a delivery made while no queue ran (its
// job lost) stays pending; serve's own sweep task, once its clock is past
// the delivery's stale threshold (moved, not waited for), queues it again
// and the receiver gets it, signed.
func TestServeRequeuesLostWebhooks(t *testing.T) {
	for _, engine := range sqltest.Engines() {
		t.Run(engine, func(t *testing.T) {
			db := sqltest.DSN(t, engine)
			s := openStore(t, db)
			w := seedHookWorld(t, s)
			rx := webhooktest.NewReceiver(t)
			hook := &culture.Webhook{UnitID: w.hub, URL: rx.URL}
			must(t, s.CreateWebhook(t.Context(), hook))
			rx.SetSecret(hook.Secret)
			r, err := s.FindOrCreateResident(t.Context(), "13800138001")
			must(t, err)
			b, err := s.CreateBooking(t.Context(), &culture.BookingRequest{ActivityID: w.activity, AccountID: r.ID, Self: true})
			must(t, err)

			clock := &shiftClock{}
			clock.advanceTo(time.Now().Add(7 * time.Hour)) // past the default threshold, about 6 h
			srv := startServeWith(t, Options{now: clock.now}, db, "--log-format", "json", "--webhook-allow-private")
			got := hookEventIDs(t, rx.WaitAccepted(t, 1, 30*time.Second)) // the task's first run comes within 10 s
			if want := fmt.Sprintf("booking:%d:confirmed", b.ID); len(got) != 1 || got[0] != want {
				t.Errorf("received %v, want %s", got, want)
			}
			log := waitHookLog(t, srv, w.admin, hook.ID, 1)
			if log[0].Attempts != 1 {
				t.Errorf("log %+v, want one attempt", log)
			}
			if !strings.Contains(srv.log.String(), "stale webhook deliveries queued again") {
				t.Errorf("the sweep was not logged:\n%s", srv.log)
			}
		})
	}
}
