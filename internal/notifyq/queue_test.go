package notifyq

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/wenyun/wenyun/internal/culture"
	"github.com/wenyun/wenyun/internal/notify"
	"github.com/wenyun/wenyun/internal/notify/notifytest"
	"github.com/wenyun/wenyun/internal/sqlstore"
	"github.com/wenyun/wenyun/internal/sqlstore/sqltest"
)

const testPublicURL = "https://wenyun.example"

// forEachEngine runs fn on a fresh database of each engine, given its DSN.
func forEachEngine(t *testing.T, fn func(t *testing.T, dsn string)) {
	for _, engine := range sqltest.Engines() {
		t.Run(engine, func(t *testing.T) { fn(t, sqltest.DSN(t, engine)) })
	}
}

// openStore opens the store at dsn (a "process" of its own), closed at
// cleanup.
func openStore(t *testing.T, dsn string) *sqlstore.Store {
	t.Helper()
	s, err := sqlstore.Open(t.Context(), dsn, sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// startQueue starts a fast-retrying queue on store whose worker uses
// sends, set as store's send hook, and stops it at cleanup.
func startQueue(t *testing.T, store *sqlstore.Store, sends sendStore, dsn string, chs notify.Channels, maxAttempts int) *Queue {
	t.Helper()
	q, err := newQueue(t.Context(), store, sends, chs, Options{
		DSN: dsn, PublicURL: testPublicURL, MaxAttempts: maxAttempts, PollInterval: 20 * time.Millisecond,
		RetryDelay: func(int) time.Duration { return 10 * time.Millisecond },
	})
	if err != nil {
		t.Fatal(err)
	}
	store.SetSendHook(q.Hook())
	if err := q.Start(context.WithoutCancel(t.Context())); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := q.Stop(ctx); err != nil {
			t.Error(err)
		}
	})
	return q
}

// community is a branch with a staff author, to announce to its members.
type community struct {
	store          *sqlstore.Store
	unit, authorID int64
}

func newCommunity(t *testing.T, s *sqlstore.Store) *community {
	t.Helper()
	hub := &culture.Unit{Kind: culture.UnitHub, Name: "解放区文化馆"}
	if err := s.CreateUnit(t.Context(), hub); err != nil {
		t.Fatal(err)
	}
	branch := &culture.Unit{Kind: culture.UnitBranch, Name: "焦作路分馆", ParentID: &hub.ID}
	if err := s.CreateUnit(t.Context(), branch); err != nil {
		t.Fatal(err)
	}
	author := &culture.Account{Username: "staff1", Name: "王老师"}
	if err := s.CreateStaff(t.Context(), author, "正确的马电池订书钉"); err != nil {
		t.Fatal(err)
	}
	return &community{store: s, unit: branch.ID, authorID: author.ID}
}

// member creates a resident who chose prefs' channels and joins.
func (c *community) member(t *testing.T, phone string, prefs culture.NotificationPrefs) *culture.Account {
	t.Helper()
	a, err := c.store.FindOrCreateResident(t.Context(), phone)
	if err != nil {
		t.Fatal(err)
	}
	prefs.AccountID = a.ID
	if err := c.store.UpdatePrefs(t.Context(), &prefs); err != nil {
		t.Fatal(err)
	}
	if err := c.store.JoinCommunity(t.Context(), a.ID, c.unit); err != nil {
		t.Fatal(err)
	}
	return a
}

// smsOnly chooses SMS alone.
var smsOnly = culture.NotificationPrefs{Channels: map[string]bool{culture.ChannelSMS: true}}

// announce posts an announcement and returns the ids of every send in
// the database.
func (c *community) announce(t *testing.T, title string) []int64 {
	t.Helper()
	a := &culture.Announcement{UnitID: c.unit, Title: title, Body: "周六上午九点在二楼排练厅。", AuthorID: c.authorID}
	if err := c.store.PostAnnouncement(t.Context(), a); err != nil {
		t.Fatal(err)
	}
	return sendIDs(t, c.store)
}

func sendIDs(t *testing.T, s *sqlstore.Store) []int64 {
	t.Helper()
	rows, err := s.DB().QueryContext(t.Context(), `SELECT id FROM notification_sends ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return ids
}

// waitFinal waits until the send is no longer pending and returns it.
func waitFinal(t *testing.T, s *sqlstore.Store, id int64) *culture.NotificationSend {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		send, err := s.FindSend(t.Context(), id)
		if err != nil {
			t.Fatal(err)
		}
		if send.State != culture.SendPending {
			return send
		}
		if time.Now().After(deadline) {
			t.Fatalf("send %d still pending after 20s: attempts %d, last error %q", id, send.Attempts, send.LastError)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// settle gives a wrongly scheduled retry time to happen: many retry
// delays and polls.
func settle() { time.Sleep(300 * time.Millisecond) }

func TestQueueDeliversSMS(t *testing.T) {
	forEachEngine(t, func(t *testing.T, dsn string) {
		s := openStore(t, dsn)
		sms := &notifytest.Channel{ChannelName: culture.ChannelSMS}
		startQueue(t, s, s, dsn, notify.Channels{culture.ChannelSMS: sms}, 8)
		c := newCommunity(t, s)
		m := c.member(t, "13800000001", smsOnly)
		ids := c.announce(t, "合唱团排练")
		if len(ids) != 1 {
			t.Fatalf("sends = %v, want one", ids)
		}
		send := waitFinal(t, s, ids[0])
		if send.State != culture.SendSent || send.Attempts != 1 || send.SentAt == nil {
			t.Errorf("send = %s after %d attempts (sent at %v), want sent after 1", send.State, send.Attempts, send.SentAt)
		}
		got := sms.Sent()
		if len(got) != 1 {
			t.Fatalf("channel got %d messages, want 1", len(got))
		}
		msg := got[0]
		wantLink := fmt.Sprintf("%s/communities/%d#a", testPublicURL, c.unit)
		if msg.Key != fmt.Sprintf("wenyun-send-%d", ids[0]) || msg.Kind != culture.KindAnnouncement ||
			msg.To.Phone != m.Phone || !strings.Contains(msg.Title, "合唱团排练") || !strings.HasPrefix(msg.Link, wantLink) {
			t.Errorf("message = %+v; want key wenyun-send-%d, an announcement to %s linking %s…", msg, ids[0], m.Phone, wantLink)
		}
	})
}

// TestQueueSMSGateway delivers through the real SMS driver to a fake
// gateway that checks signatures.
func TestQueueSMSGateway(t *testing.T) {
	forEachEngine(t, func(t *testing.T, dsn string) {
		gw := notifytest.NewSMSServer(t)
		s := openStore(t, dsn)
		startQueue(t, s, s, dsn, notify.Channels{culture.ChannelSMS: mustSMS(t, gw)}, 8)
		c := newCommunity(t, s)
		c.member(t, "13800000001", smsOnly)
		ids := c.announce(t, "合唱团排练")
		if send := waitFinal(t, s, ids[0]); send.State != culture.SendSent {
			t.Fatalf("send = %s (%s), want sent", send.State, send.LastError)
		}
		reqs := gw.Requests()
		if len(reqs) != 1 || reqs[0].Get("PhoneNumbers") != "13800000001" || reqs[0].Get("OutId") != fmt.Sprintf("wenyun-send-%d", ids[0]) {
			t.Errorf("gateway requests = %v, want one to 13800000001 with OutId wenyun-send-%d", reqs, ids[0])
		}
	})
}

func mustSMS(t *testing.T, gw *notifytest.SMSServer) notify.Channel {
	t.Helper()
	ch, err := notify.NewSMS(gw.Config())
	if err != nil {
		t.Fatal(err)
	}
	return ch
}

func TestQueueRetries(t *testing.T) {
	forEachEngine(t, func(t *testing.T, dsn string) {
		s := openStore(t, dsn)
		var calls atomic.Int32
		sms := &notifytest.Channel{ChannelName: culture.ChannelSMS, Err: func(notify.Message) error {
			if calls.Add(1) <= 2 {
				return errors.New("短信网关：HTTP 503")
			}
			return nil
		}}
		startQueue(t, s, s, dsn, notify.Channels{culture.ChannelSMS: sms}, 8)
		c := newCommunity(t, s)
		c.member(t, "13800000001", smsOnly)
		ids := c.announce(t, "合唱团排练")
		send := waitFinal(t, s, ids[0])
		if send.State != culture.SendSent || send.Attempts != 3 || calls.Load() != 3 {
			t.Errorf("send = %s after %d attempts, %d calls; want sent after 3", send.State, send.Attempts, calls.Load())
		}
		keys := messageKeys(sms.Sent())
		if len(keys) != 3 || keys[0] != keys[1] || keys[1] != keys[2] {
			t.Errorf("keys = %v, want the same key on every attempt", keys)
		}
	})
}

func TestQueueGivesUp(t *testing.T) {
	forEachEngine(t, func(t *testing.T, dsn string) {
		s := openStore(t, dsn)
		sms := &notifytest.Channel{ChannelName: culture.ChannelSMS, Err: func(notify.Message) error {
			return errors.New("短信网关：HTTP 503")
		}}
		startQueue(t, s, s, dsn, notify.Channels{culture.ChannelSMS: sms}, 3)
		c := newCommunity(t, s)
		c.member(t, "13800000001", smsOnly)
		ids := c.announce(t, "合唱团排练")
		send := waitFinal(t, s, ids[0])
		settle()
		if send.State != culture.SendFailed || send.Attempts != 3 || len(sms.Sent()) != 3 {
			t.Errorf("send = %s after %d attempts, %d calls; want failed after 3", send.State, send.Attempts, len(sms.Sent()))
		}
	})
}

func TestQueuePermanentError(t *testing.T) {
	forEachEngine(t, func(t *testing.T, dsn string) {
		s := openStore(t, dsn)
		sms := &notifytest.Channel{ChannelName: culture.ChannelSMS, Err: func(notify.Message) error {
			return notify.Permanent(errors.New("短信网关：isv.MOBILE_NUMBER_ILLEGAL（号码格式错误）"))
		}}
		startQueue(t, s, s, dsn, notify.Channels{culture.ChannelSMS: sms}, 8)
		c := newCommunity(t, s)
		c.member(t, "13800000001", smsOnly)
		// E-mail is chosen but has no driver: failed at once as well.
		c.member(t, "13800000002", culture.NotificationPrefs{
			Channels: map[string]bool{culture.ChannelEmail: true}, Email: "li@example.com"})
		ids := c.announce(t, "合唱团排练")
		if len(ids) != 2 {
			t.Fatalf("sends = %v, want two", ids)
		}
		smsSend, mailSend := waitFinal(t, s, ids[0]), waitFinal(t, s, ids[1])
		settle()
		if smsSend.State != culture.SendFailed || smsSend.Attempts != 1 || len(sms.Sent()) != 1 ||
			!strings.Contains(smsSend.LastError, "MOBILE_NUMBER_ILLEGAL") {
			t.Errorf("sms send = %s after %d attempts, %d calls (%q); want failed after 1",
				smsSend.State, smsSend.Attempts, len(sms.Sent()), smsSend.LastError)
		}
		if mailSend.State != culture.SendFailed || mailSend.Attempts != 1 || !strings.Contains(mailSend.LastError, "未配置") {
			t.Errorf("email send = %s after %d attempts (%q); want failed after 1, 未配置",
				mailSend.State, mailSend.Attempts, mailSend.LastError)
		}
	})
}

// crashingStore fails the first MarkSend(sent) as a process would that
// died after the gateway accepted the message.
type crashingStore struct {
	sendStore
	crashed atomic.Bool
}

func (c *crashingStore) MarkSend(ctx context.Context, id int64, state, lastError string) error {
	if state == culture.SendSent && c.crashed.CompareAndSwap(false, true) {
		return errors.New("connection reset by peer")
	}
	return c.sendStore.MarkSend(ctx, id, state, lastError)
}

// TestQueueCrashAfterSend: the gateway accepted the message but marking
// it sent failed. The retry sends again with the same OutId, which the
// gateway dedupes, so one SMS is delivered; the send ends sent, and a
// further run of the job sends nothing.
func TestQueueCrashAfterSend(t *testing.T) {
	forEachEngine(t, func(t *testing.T, dsn string) {
		gw := notifytest.NewSMSServer(t)
		s := openStore(t, dsn)
		sends := &crashingStore{sendStore: s}
		q := startQueue(t, s, sends, dsn, notify.Channels{culture.ChannelSMS: mustSMS(t, gw)}, 8)
		c := newCommunity(t, s)
		c.member(t, "13800000001", smsOnly)
		ids := c.announce(t, "合唱团排练")
		if send := waitFinal(t, s, ids[0]); send.State != culture.SendSent || !sends.crashed.Load() {
			t.Fatalf("send = %s, crashed %v; want sent after a crash", send.State, sends.crashed.Load())
		}
		reqs := gw.Requests()
		if len(reqs) != 2 || reqs[0].Get("OutId") != reqs[1].Get("OutId") {
			t.Fatalf("gateway requests = %d with OutIds %q; want 2 with one OutId", len(reqs), outIDs(gw))
		}
		if delivered := len(gw.Delivered()); delivered != 1 {
			t.Errorf("the gateway delivered %d messages, want 1", delivered)
		}
		if err := q.w.Work(t.Context(), sendJob(ids[0])); err != nil {
			t.Fatal(err)
		}
		if n := len(gw.Requests()); n != 2 {
			t.Errorf("after running the job again the gateway has %d requests, want still 2", n)
		}
	})
}

// TestWorkMissingSend: a send deleted with its account cancels its job
// rather than retrying for ever.
func TestWorkMissingSend(t *testing.T) {
	forEachEngine(t, func(t *testing.T, dsn string) {
		s := openStore(t, dsn)
		sms := &notifytest.Channel{ChannelName: culture.ChannelSMS}
		q := startQueue(t, s, s, dsn, notify.Channels{culture.ChannelSMS: sms}, 8)
		var cancel *river.JobCancelError
		if err := q.w.Work(t.Context(), sendJob(404)); !errors.As(err, &cancel) || culture.ErrorCode(err) != culture.ENOTFOUND {
			t.Errorf("Work = %v, want the job cancelled as not found", err)
		}
	})
}

func sendJob(id int64) *river.Job[SendArgs] {
	return &river.Job[SendArgs]{JobRow: &rivertype.JobRow{Attempt: 1, MaxAttempts: 8}, Args: SendArgs{SendID: id}}
}

func outIDs(gw *notifytest.SMSServer) []string {
	var ids []string
	for _, r := range gw.Requests() {
		ids = append(ids, r.Get("OutId"))
	}
	slices.Sort(ids)
	return ids
}

// TestQueueTwoProcesses: two stores with a queue each, started together
// on one fresh database (so both migrate river at once), deliver every
// send once.
func TestQueueTwoProcesses(t *testing.T) {
	forEachEngine(t, func(t *testing.T, dsn string) {
		s1, s2 := openStore(t, dsn), openStore(t, dsn)
		sms1 := &notifytest.Channel{ChannelName: culture.ChannelSMS}
		sms2 := &notifytest.Channel{ChannelName: culture.ChannelSMS}
		var wg sync.WaitGroup
		wg.Go(func() { startQueue(t, s1, s1, dsn, notify.Channels{culture.ChannelSMS: sms1}, 8) })
		wg.Go(func() { startQueue(t, s2, s2, dsn, notify.Channels{culture.ChannelSMS: sms2}, 8) })
		wg.Wait()
		if t.Failed() {
			return
		}
		c := newCommunity(t, s1)
		for i := range 12 {
			c.member(t, fmt.Sprintf("138000000%02d", i), smsOnly)
		}
		c.announce(t, "合唱团排练")
		c.store = s2
		ids := c.announce(t, "书法班开课")
		for _, id := range ids {
			waitFinal(t, s1, id)
		}
		settle()
		keys := messageKeys(append(sms1.Sent(), sms2.Sent()...))
		if len(keys) != len(ids) || len(slices.Compact(keys)) != len(ids) {
			t.Errorf("delivered %d messages with %d keys, want each of %d sends once", len(keys), len(slices.Compact(keys)), len(ids))
		}
	})
}

// TestHookQueuesOnce: a send handed to the hook twice is one job.
func TestHookQueuesOnce(t *testing.T) {
	forEachEngine(t, func(t *testing.T, dsn string) {
		s := openStore(t, dsn)
		sms := &notifytest.Channel{ChannelName: culture.ChannelSMS}
		q := startQueue(t, s, s, dsn, notify.Channels{culture.ChannelSMS: sms}, 8)
		c := newCommunity(t, s)
		c.member(t, "13800000001", smsOnly)
		ids := c.announce(t, "合唱团排练")
		tx, err := s.DB().BeginTx(t.Context(), nil)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback() //nolint:errcheck // after Commit, a no-op
		if err := q.Hook()(t.Context(), tx, ids); err != nil {
			t.Fatal(err)
		}
		var jobs int
		if err := tx.QueryRowContext(t.Context(), `SELECT COUNT(*) FROM river_job`).Scan(&jobs); err != nil {
			t.Fatal(err)
		}
		if jobs != 1 {
			t.Errorf("river_job has %d rows after queueing send %d twice, want 1", jobs, ids[0])
		}
	})
}

func messageKeys(msgs []notify.Message) []string {
	var keys []string
	for _, m := range msgs {
		keys = append(keys, m.Key)
	}
	slices.Sort(keys)
	return keys
}
