package sqlstore_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/wenyun/wenyun/internal/culture"
	"github.com/wenyun/wenyun/internal/sqlstore"
	"github.com/wenyun/wenyun/internal/sqlstore/sqltest"
)

// notes returns the account's notifications, newest first.
func notes(t *testing.T, s *sqlstore.Store, accountID int64) []*culture.Notification {
	t.Helper()
	ns, _, err := s.FindNotifications(t.Context(), accountID, false, 100, 0)
	if err != nil {
		t.Fatal(err)
	}
	return ns
}

// noteSummary is a notification as tests compare it.
type noteSummary struct{ Kind, Title, Key, Link string }

// summaries returns the account's notifications, oldest first.
func summaries(t *testing.T, s *sqlstore.Store, accountID int64) []noteSummary {
	t.Helper()
	out := []noteSummary{}
	ns := notes(t, s, accountID)
	for i := len(ns) - 1; i >= 0; i-- {
		n := ns[i]
		out = append(out, noteSummary{n.Kind, n.Title, n.Key, n.Link})
	}
	return out
}

// noteByKey returns the account's notification with the key.
func noteByKey(t *testing.T, s *sqlstore.Store, accountID int64, key string) *culture.Notification {
	t.Helper()
	for _, n := range notes(t, s, accountID) {
		if n.Key == key {
			return n
		}
	}
	t.Fatalf("account %d has no notification %q; has %+v", accountID, key, summaries(t, s, accountID))
	return nil
}

func fixNote(t *testing.T, s *sqlstore.Store, accountID int64, key string, at time.Time) int64 {
	t.Helper()
	return fixInsert(t, s, `INSERT INTO notifications (account_id, kind, title, body, key, created_at)
		VALUES (?, 'announcement', ?, '', ?, ?) RETURNING id`, accountID, "通知 "+key, key, at.Unix())
}

func TestNotificationInbox(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := activityFixtures(t, s)
		me, other := fx.residents[0], fx.residents[1]
		var ids []int64
		for i := range 5 {
			ids = append(ids, fixNote(t, s, me, fmt.Sprint("k", i), activityTestNow.Add(time.Duration(i)*time.Minute)))
		}
		theirs := fixNote(t, s, other, "k0", activityTestNow)
		ctx := t.Context()

		ns, total, err := s.FindNotifications(ctx, me, false, 2, 1)
		if err != nil {
			t.Fatal(err)
		}
		if got := []int64{ns[0].ID, ns[1].ID}; total != 5 || !cmp.Equal(got, []int64{ids[3], ids[2]}) {
			t.Errorf("page = %v of %d, want [%d %d] of 5", got, total, ids[3], ids[2])
		}
		if _, total, _ := s.FindNotifications(ctx, me, false, 10, 50); total != 5 {
			t.Errorf("total past the end = %d, want 5", total)
		}
		unread := func(want int) {
			t.Helper()
			if n, err := s.UnreadCount(ctx, me); err != nil || n != want {
				t.Errorf("unread = %d, %v; want %d", n, err, want)
			}
		}
		unread(5)

		if err := s.MarkRead(ctx, me, ids[1]); err != nil {
			t.Fatal(err)
		}
		unread(4)
		if err := s.MarkRead(ctx, me, ids[1]); err != nil {
			t.Errorf("marking a read notification again: %v", err)
		}
		if ns, total, _ := s.FindNotifications(ctx, me, true, 10, 0); total != 4 || len(ns) != 4 {
			t.Errorf("unread only = %d of %d, want 4", len(ns), total)
		}
		if n := noteByKey(t, s, me, "k1"); n.ReadAt == nil || !n.ReadAt.Equal(activityTestNow) {
			t.Errorf("read_at = %v, want %v", n.ReadAt, activityTestNow)
		}

		checkRefusal(t, s.MarkRead(ctx, me, theirs), culture.ENOTFOUND, "通知不存在。")
		checkRefusal(t, s.MarkRead(ctx, me, 424242), culture.ENOTFOUND, "通知不存在。")
		if n := noteByKey(t, s, other, "k0"); n.ReadAt != nil {
			t.Errorf("another account's notification was marked read")
		}

		if err := s.MarkRead(ctx, me, 0); err != nil {
			t.Fatal(err)
		}
		unread(0)
		if n, _ := s.UnreadCount(ctx, other); n != 1 {
			t.Errorf("marking all read touched another account: unread %d", n)
		}
	})
}

func TestNotificationPrefs(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := activityFixtures(t, s)
		ctx := t.Context()
		me := fx.residents[0]
		p, err := s.FindPrefs(ctx, me)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(&culture.NotificationPrefs{AccountID: me, Channels: map[string]bool{}}, p); diff != "" {
			t.Errorf("default prefs (-want +got):\n%s", diff)
		}
		good := &culture.NotificationPrefs{AccountID: me,
			Channels: map[string]bool{culture.ChannelSMS: true, culture.ChannelEmail: true, culture.ChannelWeChat: false},
			Email:    "zhang@example.com", WeChatID: "oAbCdEfGhIj_12345"}
		if err := s.UpdatePrefs(ctx, good); err != nil {
			t.Fatal(err)
		}
		want := &culture.NotificationPrefs{AccountID: me,
			Channels: map[string]bool{culture.ChannelSMS: true, culture.ChannelEmail: true},
			Email:    "zhang@example.com", WeChatID: "oAbCdEfGhIj_12345"}
		if p, _ := s.FindPrefs(ctx, me); !cmp.Equal(want, p) {
			t.Errorf("stored prefs (-want +got):\n%s", cmp.Diff(want, p))
		}

		for _, tc := range []struct {
			name    string
			account int64
			p       culture.NotificationPrefs
			code    string
			msg     string
		}{
			{"UnknownChannel", me, culture.NotificationPrefs{Channels: map[string]bool{"fax": true}},
				culture.EINVALID, "通知方式无效。"},
			{"BadEmail", me, culture.NotificationPrefs{Channels: map[string]bool{"email": true}, Email: "zhang at example"},
				culture.EINVALID, "电子邮件地址格式不正确。"},
			{"WeChatWithoutID", me, culture.NotificationPrefs{Channels: map[string]bool{"wechat": true}},
				culture.EINVALID, "选择微信通知时须先绑定微信。"},
			{"SMSWithoutPhone", fx.staff, culture.NotificationPrefs{Channels: map[string]bool{"sms": true}},
				culture.EINVALID, "选择短信通知须先绑定手机号码。"},
			{"NoAccount", 424242, culture.NotificationPrefs{}, culture.ENOTFOUND, "账号不存在。"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				before, _ := s.FindPrefs(ctx, tc.account)
				tc.p.AccountID = tc.account
				checkRefusal(t, s.UpdatePrefs(ctx, &tc.p), tc.code, tc.msg)
				if after, _ := s.FindPrefs(ctx, tc.account); !cmp.Equal(before, after) {
					t.Errorf("prefs changed (-before +after):\n%s", cmp.Diff(before, after))
				}
			})
		}
	})
}

// chooseSMS makes the account want SMS notifications.
func chooseSMS(t *testing.T, s *sqlstore.Store, accountID int64) {
	t.Helper()
	err := s.UpdatePrefs(t.Context(), &culture.NotificationPrefs{AccountID: accountID,
		Channels: map[string]bool{culture.ChannelSMS: true}})
	if err != nil {
		t.Fatal(err)
	}
}

// sendIDs returns the ids of the sends of the account's notifications.
func sendIDs(t *testing.T, s *sqlstore.Store, accountID int64) []int64 {
	t.Helper()
	rows, err := s.DB().Query(fixSQL(s, `SELECT s.id FROM notification_sends s
		JOIN notifications n ON n.id = s.notification_id WHERE n.account_id = ? ORDER BY s.id`), accountID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	ids := []int64{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	return ids
}

func TestBookingNotifies(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := activityFixtures(t, s)
		ctx := t.Context()
		me, quiet := fx.residents[0], fx.residents[1]
		chooseSMS(t, s, me)
		a := fx.create(t)
		req := &culture.BookingRequest{ActivityID: a.ID, AccountID: me, Self: true, IdempotencyKey: "n-1"}
		b, err := s.CreateBooking(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateBooking(ctx, req); err != nil { // a replay announces nothing new
			t.Fatal(err)
		}
		key := fmt.Sprintf("booking:%d:confirmed", b.ID)
		want := []noteSummary{{culture.KindBookingConfirmed, "预约成功：少儿书法体验课", key, fmt.Sprintf("/me/tickets/%d", b.ID)}}
		if diff := cmp.Diff(want, summaries(t, s, me)); diff != "" {
			t.Fatalf("notifications (-want +got):\n%s", diff)
		}
		n := noteByKey(t, s, me, key)
		if wantBody := "您已成功预约「少儿书法体验课」（1 人），3月4日 周三 09:00 开始，地点：解放分馆 一号教室（解放路 8 号 201 室）。请凭电子票入场。"; n.Body != wantBody {
			t.Errorf("body = %q, want %q", n.Body, wantBody)
		}
		sends := sendIDs(t, s, me)
		if len(sends) != 1 {
			t.Fatalf("sends = %v, want one", sends)
		}
		send, err := s.FindSend(ctx, sends[0])
		if err != nil {
			t.Fatal(err)
		}
		if send.Channel != culture.ChannelSMS || send.State != culture.SendPending || send.Phone == "" ||
			send.Name != "张三" || send.Notification == nil || send.Notification.ID != n.ID || send.Key == "" {
			t.Errorf("send = %+v", send)
		}

		fx.book(t, a.ID, quiet, true)
		if got := sendIDs(t, s, quiet); len(got) != 0 || len(notes(t, s, quiet)) != 1 {
			t.Errorf("an account without channels has sends %v", got)
		}

		if _, err := s.CancelBooking(ctx, me, b.ID); err != nil {
			t.Fatal(err)
		}
		n = noteByKey(t, s, me, fmt.Sprintf("booking:%d:cancelled", b.ID))
		if n.Kind != culture.KindBookingCancelled || n.Title != "预约已取消：少儿书法体验课" {
			t.Errorf("cancel notification = %+v", n)
		}
		if got := sendIDs(t, s, me); len(got) != 2 {
			t.Errorf("sends after the cancel = %v, want two", got)
		}
	})
}

func TestMarkSend(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := activityFixtures(t, s)
		ctx := t.Context()
		chooseSMS(t, s, fx.residents[0])
		fx.book(t, fx.create(t).ID, fx.residents[0], true)
		id := sendIDs(t, s, fx.residents[0])[0]
		type state struct {
			State     string
			Attempts  int
			LastError string
			Sent      bool
		}
		step := func(newState, msg string, want state) {
			t.Helper()
			if err := s.MarkSend(ctx, id, newState, msg); err != nil {
				t.Fatal(err)
			}
			got, err := s.FindSend(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, state{got.State, got.Attempts, got.LastError, got.SentAt != nil}); diff != "" {
				t.Errorf("after %s (-want +got):\n%s", newState, diff)
			}
		}
		step(culture.SendPending, "网关超时", state{"pending", 1, "网关超时", false})
		step(culture.SendSent, "", state{"sent", 2, "", true})
		step(culture.SendPending, "late retry", state{"sent", 2, "", true})
		step(culture.SendFailed, "late failure", state{"sent", 2, "", true})
		step(culture.SendSent, "", state{"sent", 2, "", true})

		checkRefusal(t, s.MarkSend(ctx, id, "lost", ""), culture.EINVALID, "发送状态无效。")
		checkRefusal(t, s.MarkSend(ctx, 424242, culture.SendSent, ""), culture.ENOTFOUND, "通知发送记录不存在。")
		if _, err := s.FindSend(ctx, 424242); culture.ErrorCode(err) != culture.ENOTFOUND {
			t.Errorf("FindSend(missing) = %v, want ENOTFOUND", err)
		}

		fx.book(t, fx.create(t).ID, fx.residents[0], true)
		id = sendIDs(t, s, fx.residents[0])[1]
		step(culture.SendFailed, strings.Repeat("错", 600), state{"failed", 1, strings.Repeat("错", 500) + "…", false})
		step(culture.SendPending, "again", state{"failed", 1, strings.Repeat("错", 500) + "…", false})
	})
}

func TestSendHook(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := activityFixtures(t, s)
		ctx := t.Context()
		me, refused := fx.residents[0], fx.residents[1]
		chooseSMS(t, s, me)
		chooseSMS(t, s, refused)
		var got []int64
		s.SetSendHook(func(ctx context.Context, tx *sql.Tx, ids []int64) error {
			// The sends are visible in the transaction that made them.
			for _, id := range ids {
				var account int64
				err := tx.QueryRowContext(ctx, fixSQL(s, `SELECT n.account_id FROM notification_sends s
					JOIN notifications n ON n.id = s.notification_id WHERE s.id = ? AND s.state = 'pending'`), id).Scan(&account)
				if err != nil {
					return err
				}
				if account == refused {
					return errors.New("queue down")
				}
			}
			got = append(got, ids...)
			return nil
		})
		a := fx.create(t)
		fx.book(t, a.ID, me, true)
		if want := sendIDs(t, s, me); len(want) != 1 || !cmp.Equal(got, want) {
			t.Errorf("hook got %v, want %v", got, want)
		}

		_, err := s.CreateBooking(ctx, &culture.BookingRequest{ActivityID: a.ID, AccountID: refused, Self: true})
		if err == nil || !strings.Contains(err.Error(), "queue down") {
			t.Fatalf("booking with a failing hook: err = %v", err)
		}
		noTrace := func() {
			t.Helper()
			bs, _, err := s.FindBookings(ctx, culture.BookingFilter{AccountID: &refused})
			if err != nil || len(bs) != 0 || len(notes(t, s, refused)) != 0 {
				t.Errorf("a rolled-back booking left %d bookings, %d notifications (%v)", len(bs), len(notes(t, s, refused)), err)
			}
		}
		noTrace()
		if left := fx.seatsLeft(t, a.ID); left != 9 {
			t.Errorf("seats left = %d, want 9", left)
		}

		// In a batch, the refused request's savepoint takes its notification
		// with it; the other request commits with its own.
		other := fixAccounts(t, s, 1)[0]
		chooseSMS(t, s, other)
		res := s.CreateBookings(ctx, []*culture.BookingRequest{
			{ActivityID: a.ID, AccountID: refused, Self: true},
			{ActivityID: a.ID, AccountID: other, Self: true},
		})
		if res[0].Err == nil || res[1].Err != nil {
			t.Fatalf("batch = %v, %v; want the first refused", res[0].Err, res[1].Err)
		}
		noTrace()
		if ns := notes(t, s, other); len(ns) != 1 || ns[0].Key != fmt.Sprintf("booking:%d:confirmed", res[1].Booking.ID) {
			t.Errorf("batch notifications = %+v", summaries(t, s, other))
		}
		if len(got) != 2 {
			t.Errorf("hook got %v, want two sends", got)
		}
	})
}

func TestReminders(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := activityFixtures(t, s)
		ctx := t.Context()
		me := fx.residents[0]
		a := fx.create(t) // Wednesday 09:00
		evening := fx.create(t, func(a *culture.Activity) {
			a.Title = "晚间合唱"
			a.StartsAt, a.EndsAt, a.ClosesAt = a.StartsAt.Add(11*time.Hour), a.EndsAt.Add(11*time.Hour), a.ClosesAt.Add(11*time.Hour)
		}) // Wednesday 20:00
		b := fx.book(t, a.ID, me, true)
		eb := fx.book(t, evening.ID, me, true)
		cancelled := fx.book(t, a.ID, fx.residents[1], true)
		if _, err := s.CancelBooking(ctx, fx.residents[1], cancelled.ID); err != nil {
			t.Fatal(err)
		}
		run := func(at time.Time, want int) {
			t.Helper()
			fx.setNow(at)
			if n, err := s.CreateDueReminders(ctx); err != nil || n != want {
				t.Fatalf("at %v: CreateDueReminders = %d, %v; want %d", at, n, err, want)
			}
		}
		run(a.StartsAt.Add(-30*time.Hour), 0)
		run(a.StartsAt.Add(-23*time.Hour), 1)
		n := noteByKey(t, s, me, fmt.Sprintf("remind24:b:%d:%d", b.ID, a.StartsAt.Unix()))
		if n.Kind != culture.KindReminder24h || n.Title != "明天：少儿书法体验课" || n.Link != fmt.Sprintf("/me/tickets/%d", b.ID) ||
			!strings.Contains(n.Body, "3月4日 周三 09:00") || !strings.Contains(n.Body, "解放路 8 号 201 室") {
			t.Errorf("24 h reminder = %+v", n)
		}
		run(a.StartsAt.Add(-23*time.Hour), 0)
		run(a.StartsAt.Add(-22*time.Hour), 0)
		// One hour before a: a's 2 h reminder, and the evening's 24 h one.
		run(a.StartsAt.Add(-time.Hour), 2)
		if n := noteByKey(t, s, me, fmt.Sprintf("remind2:b:%d:%d", b.ID, a.StartsAt.Unix())); n.Kind != culture.KindReminder2h || n.Title != "即将开始：少儿书法体验课" {
			t.Errorf("2 h reminder = %+v", n)
		}
		if n := noteByKey(t, s, me, fmt.Sprintf("remind24:b:%d:%d", eb.ID, evening.StartsAt.Unix())); n.Title != "今天：晚间合唱" {
			t.Errorf("same-day 24 h reminder = %+v", n)
		}
		run(a.StartsAt.Add(-time.Minute), 0)
		// The evening's 2 h reminder; and a booking made within two hours of
		// the start gets the 2 h reminder only, never the 24 h one.
		fx.setNow(evening.StartsAt.Add(-90 * time.Minute))
		late := fx.book(t, evening.ID, fx.residents[2], true)
		run(evening.StartsAt.Add(-time.Hour), 2)
		noteByKey(t, s, fx.residents[2], fmt.Sprintf("remind2:b:%d:%d", late.ID, evening.StartsAt.Unix()))
		for _, n := range notes(t, s, fx.residents[2]) {
			if n.Kind == culture.KindReminder24h {
				t.Errorf("a booking made 90 min before the start got a 24 h reminder: %+v", n)
			}
		}
		if len(notes(t, s, fx.residents[1])) != 2 { // confirmed and cancelled
			t.Errorf("a cancelled booking was reminded: %+v", summaries(t, s, fx.residents[1]))
		}
		// Postponed by a week after its reminders: reminded again for the new time.
		later, end := a.StartsAt.AddDate(0, 0, 7), a.EndsAt.AddDate(0, 0, 7)
		if _, err := s.UpdateActivity(ctx, a.ID, culture.ActivityUpdate{StartsAt: &later, EndsAt: &end}); err != nil {
			t.Fatal(err)
		}
		run(later.Add(-23*time.Hour), 1)
		run(later.Add(-time.Hour), 1)
		noteByKey(t, s, me, fmt.Sprintf("remind2:b:%d:%d", b.ID, later.Unix()))
	})
}

func TestRemindersConcurrent(t *testing.T) {
	for _, engine := range sqltest.Engines() {
		t.Run(engine, func(t *testing.T) {
			dsn := sqltest.DSN(t, engine)
			var stores []*sqlstore.Store
			for range 2 {
				s, err := sqlstore.Open(t.Context(), dsn, sqlstore.Options{})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { s.Close() })
				stores = append(stores, s)
			}
			fx := activityFixtures(t, stores[0])
			residents := fixAccounts(t, stores[0], 6)
			var bookings []int64
			for range 2 {
				a := fx.create(t)
				for _, r := range residents {
					bookings = append(bookings, fx.book(t, a.ID, r, true).ID)
				}
			}
			at := activityTestNow.Add(47 * time.Hour)
			for _, s := range stores {
				s.Now = func() time.Time { return at }
			}
			var wg sync.WaitGroup
			counts := make(chan int, 8)
			for i := range 8 {
				wg.Go(func() {
					n, err := stores[i%2].CreateDueReminders(context.Background())
					if err != nil {
						t.Error(err)
					}
					counts <- n
				})
			}
			wg.Wait()
			close(counts)
			sum := 0
			for n := range counts {
				sum += n
			}
			// PostgreSQL may count a reminder in two runs that raced for it.
			if sum < len(bookings) || engine == "sqlite" && sum != len(bookings) {
				t.Errorf("runs counted %d reminders, want %d", sum, len(bookings))
			}
			for _, id := range bookings {
				var n int
				err := stores[1].DB().QueryRow(fixSQL(stores[1], `SELECT COUNT(*) FROM notifications WHERE key LIKE ?`),
					fmt.Sprintf("remind2:b:%d:%%", id)).Scan(&n)
				if err != nil || n != 1 {
					t.Errorf("booking %d has %d reminders (%v), want 1", id, n, err)
				}
			}
		})
	}
}

func TestEventsNotify(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := activityFixtures(t, s)
		ctx := t.Context()
		acc := fixAccounts(t, s, 3)
		t.Run("WaitlistOffer", func(t *testing.T) {
			fx.setNow(activityTestNow)
			a := fx.create(t, func(a *culture.Activity) { a.Capacity = 1 })
			first := fx.mustTry(t, a.ID, acc[0], 1, false)
			w := fx.mustTry(t, a.ID, acc[1], 1, true)
			if len(notes(t, s, acc[1])) != 0 {
				t.Errorf("joining the waiting list notified: %+v", summaries(t, s, acc[1]))
			}
			if _, err := s.CancelBooking(ctx, acc[0], first.ID); err != nil {
				t.Fatal(err)
			}
			offer := wantStatus(t, fx, w.ID, culture.BookingOffered)
			n := noteByKey(t, s, acc[1], fmt.Sprintf("offer:%d:%d", w.ID, offer.OfferExpiresAt.Unix()))
			if n.Kind != culture.KindWaitlistOffer || !strings.Contains(n.Body, "请在 3月2日 周一 09:30 前确认预约") {
				t.Errorf("offer = %+v", n)
			}
			if _, err := s.ClaimOffer(ctx, acc[1], w.ID); err != nil {
				t.Fatal(err)
			}
			noteByKey(t, s, acc[1], fmt.Sprintf("booking:%d:confirmed", w.ID))
		})
		t.Run("Lottery", func(t *testing.T) {
			fx.setNow(activityTestNow)
			a := fx.create(t, lotteryMode, func(a *culture.Activity) { a.Capacity = 1 })
			var apps []*culture.Booking
			for _, r := range acc {
				apps = append(apps, fx.apply(t, a.ID, r))
			}
			// The results of a draw reach the send hook in one call, however
			// many applicants: one river insert per draw, not per person.
			var calls [][]int64
			for _, r := range acc {
				chooseSMS(t, s, r)
			}
			s.SetSendHook(func(_ context.Context, _ *sql.Tx, ids []int64) error { calls = append(calls, ids); return nil })
			defer s.SetSendHook(nil)
			fx.setNow(activityTestNow.Add(2 * time.Hour))
			if _, err := s.DrawLottery(ctx, a.ID); err != nil {
				t.Fatal(err)
			}
			if len(calls) != 1 || len(calls[0]) != len(acc) {
				t.Errorf("send hook calls = %v, want one with %d sends", calls, len(acc))
			}
			var titles []string
			for i, r := range acc {
				ns := notes(t, s, r)
				if len(ns) == 0 || ns[0].Kind != culture.KindLotteryResult || ns[0].Key != fmt.Sprintf("lottery:%d:%d", a.ID, apps[i].ID) {
					t.Fatalf("applicant %d: %+v", i, summaries(t, s, r))
				}
				titles = append(titles, strings.SplitN(ns[0].Title, "：", 2)[0])
				if b := fx.status(t, apps[i].ID); (b.Status == culture.BookingConfirmed) != strings.HasPrefix(ns[0].Title, "中签") {
					t.Errorf("applicant %d is %s, told %q", i, b.Status, ns[0].Title)
				}
			}
			if strings.Count(strings.Join(titles, ","), "未中签") != 2 {
				t.Errorf("results = %v, want one win", titles)
			}
			if _, err := s.DrawLottery(ctx, a.ID); err != nil { // answered from the stored draw
				t.Fatal(err)
			}
		})
		t.Run("ActivityCancel", func(t *testing.T) {
			fx.setNow(activityTestNow)
			a := fx.create(t, func(a *culture.Activity) { a.Capacity = 1 })
			b := fx.mustTry(t, a.ID, acc[2], 1, false)
			w := fx.mustTry(t, a.ID, acc[0], 1, true)
			for range 2 {
				if err := s.CancelActivity(ctx, a.ID); err != nil {
					t.Fatal(err)
				}
			}
			for _, h := range []struct{ account, booking int64 }{{acc[2], b.ID}, {acc[0], w.ID}} {
				n := noteByKey(t, s, h.account, fmt.Sprintf("booking:%d:cancelled", h.booking))
				if n.Title != "活动取消：少儿书法体验课" {
					t.Errorf("cancel notification = %+v", n)
				}
			}
		})
		t.Run("Approval", func(t *testing.T) {
			fx.setNow(activityTestNow)
			a := fx.create(t, func(a *culture.Activity) { a.Mode = culture.ModeApproval })
			yes, no := fx.book(t, a.ID, acc[0], true), fx.book(t, a.ID, acc[1], true)
			if _, err := s.DecideBooking(ctx, yes.ID, true); err != nil {
				t.Fatal(err)
			}
			if _, err := s.DecideBooking(ctx, no.ID, false); err != nil {
				t.Fatal(err)
			}
			noteByKey(t, s, acc[0], fmt.Sprintf("booking:%d:confirmed", yes.ID))
			if n := noteByKey(t, s, acc[1], fmt.Sprintf("booking:%d:declined", no.ID)); n.Title != "报名未通过：少儿书法体验课" {
				t.Errorf("declined = %+v", n)
			}
		})
		t.Run("SeriesSession", func(t *testing.T) {
			fx.setNow(activityTestNow)
			follower, stranger := fixAccounts(t, s, 1)[0], fixAccounts(t, s, 1)[0]
			if err := s.FollowSeries(ctx, follower, fx.series, true); err != nil {
				t.Fatal(err)
			}
			fx.create(t) // not in the series
			series := fx.series
			out, err := s.CreateActivity(ctx, fx.activity(func(a *culture.Activity) { a.SeriesID = &series }), 3)
			if err != nil {
				t.Fatal(err)
			}
			want := []noteSummary{{culture.KindSeriesSession, "「解放益课」新活动：少儿书法体验课",
				fmt.Sprintf("series:%d", out[0].ID), fmt.Sprintf("/activities/%d", out[0].ID)}}
			if diff := cmp.Diff(want, summaries(t, s, follower)); diff != "" {
				t.Errorf("follower's notifications (-want +got):\n%s", diff)
			}
			if n := notes(t, s, follower); len(n) == 1 && !strings.Contains(n[0].Body, "共 3 场") {
				t.Errorf("body = %q", n[0].Body)
			}
			if len(notes(t, s, stranger)) != 0 {
				t.Errorf("a non-follower was notified")
			}
		})
	})
}

func TestDeliveryNotifies(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := dfxFixtures(t, s)
		ctx := t.Context()
		providerStaff := func(username string, p *culture.Provider) int64 {
			a := &culture.Account{Username: username, Name: "主体联系人"}
			if err := s.CreateStaff(ctx, a, accountTestPassword); err != nil {
				t.Fatal(err)
			}
			g := &culture.Grant{AccountID: a.ID, Role: culture.RoleProviderStaff, UnitID: fx.hub.ID, ProviderID: &p.ID}
			if err := s.CreateGrant(ctx, g); err != nil {
				t.Fatal(err)
			}
			return a.ID
		}
		troupe, rival := providerStaff("dfx-troupe", fx.provider), providerStaff("dfx-rival", fx.rival)
		branchAdmin := dfxStaff(t, s, "dfx-branch", culture.RoleBranchAdmin, fx.branch.ID)
		stranger := dfxStaff(t, s, "dfx-other", culture.RoleBranchAdmin, fx.otherBranch.ID)
		follower := fx.residents[2].ID
		if err := s.FollowSeries(ctx, follower, fx.series, true); err != nil {
			t.Fatal(err)
		}
		keys := func(accountID int64) []string {
			out := []string{}
			for _, n := range summaries(t, s, accountID) {
				out = append(out, n.Key)
			}
			return out
		}
		wantKeys := func(accountID int64, want ...string) {
			t.Helper()
			if want == nil {
				want = []string{}
			}
			if diff := cmp.Diff(want, keys(accountID)); diff != "" {
				t.Errorf("account %d notifications (-want +got):\n%s", accountID, diff)
			}
		}

		d := fx.plan(t)
		planned := fmt.Sprintf("delivery:%d:planned", d.ID)
		wantKeys(troupe, planned)
		wantKeys(branchAdmin)
		if n := noteByKey(t, s, troupe, planned); n.Title != "新的配送："+fx.item.Title || n.Link != fmt.Sprintf("/console/deliveries/%d", d.ID) {
			t.Errorf("planned = %+v", n)
		}

		d = fx.confirm(t, d)
		published := fmt.Sprintf("delivery:%d:published", d.ID)
		wantKeys(branchAdmin, published)
		wantKeys(fx.planner, published)
		wantKeys(follower, fmt.Sprintf("series:%d", *d.ActivityID))

		b := fx.book(t, *d.ActivityID, fx.residents[0].ID)
		if err := s.CancelDelivery(ctx, d.ID, "场地维修"); err != nil {
			t.Fatal(err)
		}
		cancelled := fmt.Sprintf("delivery:%d:cancelled", d.ID)
		wantKeys(branchAdmin, published, cancelled)
		wantKeys(troupe, planned, cancelled)
		if n := noteByKey(t, s, branchAdmin, cancelled); !strings.HasSuffix(n.Body, "原因：场地维修") {
			t.Errorf("cancelled = %+v", n)
		}
		noteByKey(t, s, fx.residents[0].ID, fmt.Sprintf("booking:%d:cancelled", b.ID))

		atPoint := fx.plan(t, func(d *culture.Delivery) { d.UnitID, d.RoomID = fx.point.ID, nil })
		if _, err := s.ConfirmDelivery(ctx, atPoint.ID, atPoint.ProviderID, false, "档期冲突"); err != nil {
			t.Fatal(err)
		}
		declined := fmt.Sprintf("delivery:%d:declined", atPoint.ID)
		wantKeys(branchAdmin, published, cancelled, declined) // the point is the branch's
		if n := noteByKey(t, s, fx.planner, declined); !strings.Contains(n.Body, "原因：档期冲突") {
			t.Errorf("declined = %+v", n)
		}
		wantKeys(rival)
		wantKeys(stranger)
	})
}
