package main

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/wenyun/wenyun/internal/culture"
	"github.com/wenyun/wenyun/internal/notify/notifytest"
	"github.com/wenyun/wenyun/internal/sqlstore"
	"github.com/wenyun/wenyun/internal/sqlstore/sqltest"
)

func TestNotifyChannels(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"ConsoleOnly", nil, []string{"email", "sms", "wechat"}},
		{"SMSGatewayTurnsOthersOff", smsGatewayArgs, []string{"sms"}},
		{"SMTPBesideConsoleSMS", []string{"--smtp-addr", "127.0.0.1:25", "--smtp-from", "noreply@example.cn",
			"--public-url", "https://wenyun.example.cn"}, []string{"email", "sms"}},
		{"All", append([]string{"--smtp-addr", "127.0.0.1:25", "--smtp-from", "noreply@example.cn",
			"--wechat-appid", "wx1", "--wechat-secret", "s", "--wechat-template", "T1"}, smsGatewayArgs...),
			[]string{"email", "sms", "wechat"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := parseConfig(Options{Getenv: mapEnv(nil)}, tt.args)
			if err != nil {
				t.Fatal(err)
			}
			chs, err := cfg.Notify.channels(slog.New(slog.DiscardHandler))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, slices.Sorted(maps.Keys(chs))); diff != "" {
				t.Errorf("channels (-want +got):\n%s", diff)
			}
		})
	}
}

// TestNotifyServeDelivers: serve's wiring queues a send in the store's
// transaction and the console driver delivers it with an absolute link.
func TestNotifyServeDelivers(t *testing.T) {
	for _, engine := range sqltest.Engines() {
		t.Run(engine, func(t *testing.T) {
			db := sqltest.DSN(t, engine)
			store := openStore(t, db)
			cfg, err := parseConfig(Options{Getenv: mapEnv(nil)}, []string{"--db", db, "--addr", "127.0.0.1:8123"})
			if err != nil {
				t.Fatal(err)
			}
			var logs syncBuffer
			q, err := startNotify(t.Context(), store, cfg, newLogger(&logs, "info", "json"))
			if err != nil {
				t.Fatal(err)
			}
			defer stopNotify(q, 5*time.Second, slog.New(slog.DiscardHandler))
			id := announceToSMSMember(t, store)
			waitSent(t, store, id)
			want := fmt.Sprintf(`"key":"wenyun-send-%d"`, id)
			if out := logs.String(); !strings.Contains(out, want) || !strings.Contains(out, `"link":"http://localhost:8123/communities/`) {
				t.Errorf("log lacks %s with a link under http://localhost:8123:\n%s", want, out)
			}
		})
	}
}

// announceToSMSMember posts an announcement to a community whose one
// member chose SMS, and returns the id of the send.
func announceToSMSMember(t *testing.T, s *sqlstore.Store) int64 {
	t.Helper()
	ctx := t.Context()
	hub := &culture.Unit{Kind: culture.UnitHub, Name: "解放区文化馆"}
	must(t, s.CreateUnit(ctx, hub))
	branch := &culture.Unit{Kind: culture.UnitBranch, Name: "焦作路分馆", ParentID: &hub.ID}
	must(t, s.CreateUnit(ctx, branch))
	author := &culture.Account{Username: "staff1", Name: "王老师"}
	must(t, s.CreateStaff(ctx, author, "正确的马电池订书钉"))
	member, err := s.FindOrCreateResident(ctx, "13800000001")
	must(t, err)
	must(t, s.UpdatePrefs(ctx, &culture.NotificationPrefs{AccountID: member.ID, Channels: map[string]bool{culture.ChannelSMS: true}}))
	must(t, s.JoinCommunity(ctx, member.ID, branch.ID))
	must(t, s.PostAnnouncement(ctx, &culture.Announcement{UnitID: branch.ID, Title: "合唱团排练", Body: "周六上午九点。", AuthorID: author.ID}))
	var id int64
	must(t, s.DB().QueryRowContext(ctx, `SELECT id FROM notification_sends`).Scan(&id))
	return id
}

// waitSent waits up to 20 s for the send to be sent.
func waitSent(t *testing.T, s *sqlstore.Store, id int64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	for {
		send, err := s.FindSend(ctx, id)
		if err == nil && send.State == culture.SendSent {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("send %d not sent: %+v, %v", id, send, err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// TestSignInCodeThroughGateway: with --sms http a sign-in code asked for
// through the API reaches the SMS gateway (a local fake that checks the
// signature) with the code template and the code, not the log.
func TestSignInCodeThroughGateway(t *testing.T) {
	gw := notifytest.NewSMSServer(t)
	c := gw.Config()
	srv := startServe(t, tempDB(t), "--sms", "http", "--sms-endpoint", c.Endpoint, "--sms-key-id", c.KeyID,
		"--sms-key-secret", c.KeySecret, "--sms-sign-name", c.SignName, "--sms-code-template", "SMS_CODE")
	res, body := srv.post(t, "/api/v1/auth/code", "", `{"phone":"13800138000"}`)
	if res.StatusCode >= 300 {
		t.Fatalf("POST /auth/code = %d %s", res.StatusCode, body)
	}
	reqs := gw.Requests()
	if len(reqs) != 1 || reqs[0].Get("TemplateCode") != "SMS_CODE" || reqs[0].Get("PhoneNumbers") != "13800138000" ||
		!regexp.MustCompile(`^\{"code":"\d{6}"\}$`).MatchString(reqs[0].Get("TemplateParam")) {
		t.Fatalf("gateway got %v", reqs)
	}
	if strings.Contains(srv.log.String(), "sms code (console driver)") {
		t.Error("the code was also written to the log")
	}
}

// TestServeSendsReminders: serve's own task stores the 24 h reminder of a
// booking once its clock reaches the window (the clock is moved, not
// waited for), and an SMS send for a resident who chose SMS — once, though
// the task keeps running.
func TestServeSendsReminders(t *testing.T) {
	db := tempDB(t)
	act := seedActivity(t, db) // starts in about 48 h
	s := openStore(t, db)
	ctx := t.Context()
	r, err := s.FindOrCreateResident(ctx, "13800138000")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.UpdatePrefs(ctx, &culture.NotificationPrefs{AccountID: r.ID, Channels: map[string]bool{culture.ChannelSMS: true}}); err != nil {
		t.Fatal(err)
	}
	b, err := s.CreateBooking(ctx, &culture.BookingRequest{ActivityID: act.ID, AccountID: r.ID, Self: true})
	if err != nil {
		t.Fatal(err)
	}
	clock := &shiftClock{}
	clock.advanceTo(act.StartsAt.Add(-23 * time.Hour))
	srv := startServeWith(t, Options{now: clock.now}, db, "--log-format", "json")
	key := fmt.Sprintf("remind24:b:%d:%d", b.ID, act.StartsAt.Unix())
	deadline := time.Now().Add(30 * time.Second) // the task's first run comes within 10 s
	for {
		var n, sends int
		err := s.DB().QueryRow(`SELECT COUNT(*), (SELECT COUNT(*) FROM notification_sends ns JOIN notifications m
			ON m.id = ns.notification_id WHERE m.key = ?) FROM notifications WHERE key = ?`, key, key).Scan(&n, &sends)
		if err != nil {
			t.Fatal(err)
		}
		if n == 1 && sends == 1 {
			break
		}
		if n > 1 || sends > 1 || time.Now().After(deadline) {
			t.Fatalf("reminder %s: %d notifications, %d sends; want 1 and 1\n%s", key, n, sends, srv.log)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
