package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/wenyun/wenyun/internal/culture"
)

// The events the store's write paths announce, in their own transactions
// (so a rolled-back change announces nothing), and the texts residents
// read. Every notification has a stable key, which makes a repeated event
// (a replayed request, a second run of a job) store nothing new.

// bookingEvent is a change of a booking its holder hears of.
type bookingEvent struct {
	kind, key, title string
	// hook is the webhook event type (webhook_events.go).
	hook string
	// body writes the text from the activity's title, time and place.
	body func(b *culture.Booking, title, when, place string) string
}

var (
	evConfirmed = bookingEvent{culture.KindBookingConfirmed, "confirmed", "预约成功：", culture.EventBookingConfirmed,
		func(b *culture.Booking, title, when, place string) string {
			return fmt.Sprintf("您已成功预约「%s」（%d 人），%s 开始，地点：%s。请凭电子票入场。", title, b.Seats, when, place)
		}}
	evCancelled = bookingEvent{culture.KindBookingCancelled, "cancelled", "预约已取消：", culture.EventBookingCancelled,
		func(_ *culture.Booking, title, when, _ string) string {
			return fmt.Sprintf("您预约的「%s」（%s）已取消。", title, when)
		}}
	evDeclined = bookingEvent{culture.KindBookingCancelled, "declined", "报名未通过：", culture.EventBookingCancelled,
		func(_ *culture.Booking, title, when, _ string) string {
			return fmt.Sprintf("很抱歉，您报名的「%s」（%s）未通过审核。欢迎关注其他活动。", title, when)
		}}
	// evActivityCancelled shares the key of evCancelled: a booking is
	// cancelled once, by its holder or with its activity.
	evActivityCancelled = bookingEvent{culture.KindBookingCancelled, "cancelled", "活动取消：", culture.EventBookingCancelled,
		func(_ *culture.Booking, title, when, _ string) string {
			return fmt.Sprintf("很抱歉，「%s」（%s）已取消，您的预约随之取消。", title, when)
		}}
)

// notifyBooking tells b's holder of ev, and the webhooks of its unit;
// b carries its activity, as bookingWhere loads it.
func notifyBooking(ctx context.Context, tx *Tx, b *culture.Booking, ev bookingEvent) error {
	n := bookingNote(b, ev)
	if err := notifyAccounts(ctx, tx, n, []int64{b.AccountID}); err != nil {
		return err
	}
	return webhookBooking(ctx, tx, b, ev.hook, n.Key)
}

// bookingNote is the notification of ev to b's holder.
func bookingNote(b *culture.Booking, ev bookingEvent) culture.Notification {
	a := b.Activity
	return culture.Notification{Kind: ev.kind, Title: ev.title + a.Title,
		Body: ev.body(b, a.Title, shanghaiTime(a.StartsAt), activityPlace(a)),
		Link: ticketLink(b.ID), Key: fmt.Sprintf("booking:%d:%s", b.ID, ev.key)}
}

// bookingAnnounced loads a booking as the write paths return it and, when
// announce, tells its holder of ev.
func bookingAnnounced(ctx context.Context, tx *Tx, id int64, ev bookingEvent, announce bool) (*culture.Booking, error) {
	b, err := bookingWhere(ctx, tx, "b.id = ?", id)
	if err != nil || !announce {
		return b, err
	}
	if err := notifyBooking(ctx, tx, b, ev); err != nil {
		return nil, err
	}
	return b, nil
}

// bookingHolder is a booking and its account, as an UPDATE … RETURNING
// id, account_id gives them.
type bookingHolder struct{ id, accountID int64 }

// bookingHolders runs q, which returns (id, account_id) rows.
func bookingHolders(ctx context.Context, tx *Tx, q string, args ...any) ([]bookingHolder, error) {
	rows, err := tx.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, func(r rowScanner) (bookingHolder, error) {
		var h bookingHolder
		err := r.Scan(&h.id, &h.accountID)
		return h, err
	})
}

// notifyActivityCancelled tells the holders of the bookings cancelled with
// activity a, and the webhooks of its unit (once for them all: an
// activity may have a thousand seats).
func notifyActivityCancelled(ctx context.Context, tx *Tx, a *culture.Activity, held []bookingHolder) error {
	notes, to := make([]culture.Notification, len(held)), make([]int64, len(held))
	for i, h := range held {
		b := &culture.Booking{ID: h.id, AccountID: h.accountID, Activity: a}
		notes[i], to[i] = bookingNote(b, evActivityCancelled), h.accountID
	}
	if err := notifyEach(ctx, tx, notes, to); err != nil {
		return err
	}
	return webhookActivityCancelled(ctx, tx, a.ID, a.UnitID, held)
}

// notifyOffer tells a waitlisted resident that seats wait for them until
// deadline. The key holds the deadline: a later offer of the same booking
// (after a decline put it back in line) is news again.
func notifyOffer(ctx context.Context, tx *Tx, bookingID, accountID int64, a *culture.Activity, deadline time.Time) error {
	n := culture.Notification{Kind: culture.KindWaitlistOffer, Title: "候补名额：" + a.Title,
		Body: fmt.Sprintf("「%s」（%s）有名额空出，请在 %s 前确认预约，逾期名额将让给下一位。",
			a.Title, shanghaiTime(a.StartsAt), shanghaiTime(deadline)),
		Link: ticketLink(bookingID), Key: fmt.Sprintf("offer:%d:%d", bookingID, deadline.Unix())}
	return notifyAccounts(ctx, tx, n, []int64{accountID})
}

// notifyLotteryResults tells every applicant of a drawn lottery whether
// they won (their booking is confirmed: no separate confirmation) or
// where they stand on the waiting list; the webhooks hear of the
// confirmed bookings.
func notifyLotteryResults(ctx context.Context, tx *Tx, activityID int64) error {
	a, err := activityByID(ctx, tx, activityID)
	if err != nil {
		return err
	}
	rows, err := tx.query(ctx, `SELECT id, account_id, lottery_won FROM bookings
		WHERE activity_id = ? AND lottery_rank IS NOT NULL ORDER BY lottery_rank`, activityID)
	if err != nil {
		return err
	}
	type entry struct {
		bookingHolder
		won int
	}
	entries, err := scanAll(rows, func(r rowScanner) (e entry, err error) {
		err = r.Scan(&e.id, &e.accountID, &e.won)
		return e, err
	})
	if err != nil {
		return err
	}
	waiting := 0
	var winners []int64
	notes, to := make([]culture.Notification, len(entries)), make([]int64, len(entries))
	for i, e := range entries {
		notes[i], to[i] = lotteryNote(a, e.id, e.won != 0, waiting+1), e.accountID
		if e.won == 0 {
			waiting++
		} else {
			winners = append(winners, e.id)
		}
	}
	if err := notifyEach(ctx, tx, notes, to); err != nil {
		return err
	}
	return webhookLotteryWinners(ctx, tx, a, winners)
}

// lotteryNote is an applicant's result; a loser is place on the waiting list.
func lotteryNote(a *culture.Activity, bookingID int64, won bool, place int) culture.Notification {
	n := culture.Notification{Kind: culture.KindLotteryResult, Link: ticketLink(bookingID),
		Key: fmt.Sprintf("lottery:%d:%d", a.ID, bookingID)}
	if won {
		n.Title = "中签：" + a.Title
		n.Body = fmt.Sprintf("恭喜！您报名的「%s」已中签，预约已确认：%s 开始，地点：%s。请凭电子票入场。",
			a.Title, shanghaiTime(a.StartsAt), activityPlace(a))
	} else {
		n.Title = "未中签：" + a.Title
		n.Body = fmt.Sprintf("很遗憾，您报名的「%s」未中签，已按抽签顺序排在候补第 %d 位；有名额空出时会通知您。",
			a.Title, place)
	}
	return n
}

// notifySeriesSession tells a series' followers of the sessions just
// created (weekly copies in one message, about the first).
func notifySeriesSession(ctx context.Context, tx *Tx, created []*culture.Activity) error {
	if len(created) == 0 || created[0].SeriesID == nil || created[0].Status != culture.ActivityPublished {
		return nil
	}
	followers, err := tx.queryIDs(ctx, `SELECT account_id FROM series_follows WHERE series_id = ?
		ORDER BY account_id`, *created[0].SeriesID)
	if err != nil || len(followers) == 0 {
		return err
	}
	a := created[0]
	body := fmt.Sprintf("%s 开始，地点：%s。", shanghaiTime(a.StartsAt), activityPlace(a))
	if len(created) > 1 {
		body = fmt.Sprintf("每周一场，共 %d 场，首场 %s 开始，地点：%s。", len(created), shanghaiTime(a.StartsAt), activityPlace(a))
	}
	n := culture.Notification{Kind: culture.KindSeriesSession,
		Title: fmt.Sprintf("「%s」新活动：%s", a.SeriesName, a.Title), Body: body,
		Link: fmt.Sprintf("/activities/%d", a.ID), Key: fmt.Sprintf("series:%d", a.ID)}
	return notifyAccounts(ctx, tx, n, followers)
}

// reminderNote is the reminder r of a booking, sent at now.
func reminderNote(r reminder, d dueBooking, now time.Time) culture.Notification {
	a := d.act
	title := "即将开始：" + a.Title
	if r.kind == culture.KindReminder24h {
		title = dayWord(a.StartsAt, now) + "：" + a.Title
	}
	return culture.Notification{Kind: r.kind, Title: title,
		Body: fmt.Sprintf("您预约的「%s」将于 %s 开始，地点：%s。请准时到场，凭电子票入场；如不能参加请提前取消。",
			a.Title, shanghaiTime(a.StartsAt), activityPlace(a)),
		Link: ticketLink(d.id), Key: fmt.Sprintf("%s%d:%d", r.keyPrefix, d.id, d.act.StartsAt.Unix())}
}

// dayWord names the day of start, less than a day after now, as seen on
// now's day (Asia/Shanghai): "明天", or "今天" for later the same day.
func dayWord(start, now time.Time) string {
	if start.In(culture.Shanghai).Day() == now.In(culture.Shanghai).Day() {
		return "今天"
	}
	return "明天"
}

func ticketLink(bookingID int64) string { return fmt.Sprintf("/me/tickets/%d", bookingID) }

var weekdayNames = [...]string{"周日", "周一", "周二", "周三", "周四", "周五", "周六"}

// shanghaiTime shows a time as residents read it: "3月3日 周二 14:00".
func shanghaiTime(t time.Time) string {
	l := t.In(culture.Shanghai)
	return fmt.Sprintf("%d月%d日 %s %s", l.Month(), l.Day(), weekdayNames[l.Weekday()], l.Format("15:04"))
}

// activityPlace is "解放分馆 一号教室（解放路 8 号 201 室）".
func activityPlace(a *culture.Activity) string {
	place := a.UnitName
	if a.RoomName != "" {
		place += " " + a.RoomName
	}
	if a.Address != "" {
		place += "（" + a.Address + "）"
	}
	return place
}

// deliveryNotified loads delivery id and tells who must act on, or plan
// around, its new status: the provider's staff of a planned delivery (to
// answer it), and the admins of its branch and hub (grants at its unit or
// above) of one published, declined or cancelled. A cancelled delivery's
// provider hears of it too: they may have confirmed it and be preparing.
// The webhooks of its unit hear of every status.
func deliveryNotified(ctx context.Context, tx *Tx, id int64) (*culture.Delivery, error) {
	d, err := deliveryByID(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if err := webhookDelivery(ctx, tx, d); err != nil {
		return nil, err
	}
	n, ok := deliveryNote(d)
	if !ok {
		return d, nil
	}
	to, err := deliveryRecipients(ctx, tx, d)
	if err != nil || len(to) == 0 {
		return d, err
	}
	return d, notifyAccounts(ctx, tx, n, to)
}

func deliveryRecipients(ctx context.Context, tx *Tx, d *culture.Delivery) ([]int64, error) {
	var to []int64
	var err error
	if d.Status != culture.DeliveryPlanned {
		to, err = tx.queryIDs(ctx, `SELECT DISTINCT g.account_id FROM grants g
			JOIN units gu ON gu.id = g.unit_id JOIN units du ON du.path LIKE gu.path || '%'
			WHERE du.id = ? AND g.role IN ('branch_admin', 'hub_admin') ORDER BY g.account_id`, d.UnitID)
		if err != nil {
			return nil, err
		}
	}
	if d.Status == culture.DeliveryPlanned || d.Status == culture.DeliveryCancelled {
		staff, err := tx.queryIDs(ctx, `SELECT DISTINCT account_id FROM grants
			WHERE role = 'provider_staff' AND provider_id = ? ORDER BY account_id`, d.ProviderID)
		if err != nil {
			return nil, err
		}
		to = append(to, staff...)
	}
	return to, nil
}

// deliveryNote is the notification of d's status; false for a status
// nobody is told of.
func deliveryNote(d *culture.Delivery) (culture.Notification, bool) {
	where := d.UnitName
	if d.RoomName != "" {
		where += " " + d.RoomName
	}
	what := fmt.Sprintf("%s在%s的「%s」（%d 人）", shanghaiTime(d.StartsAt), where, d.ItemTitle, d.Capacity)
	n := culture.Notification{Kind: culture.KindDeliveryStatus,
		Link: fmt.Sprintf("/console/deliveries/%d", d.ID), Key: fmt.Sprintf("delivery:%d:%s", d.ID, d.Status)}
	switch d.Status {
	case culture.DeliveryPlanned:
		n.Title, n.Body = "新的配送："+d.ItemTitle, "总馆安排了"+what+"，请确认或婉拒。"
	case culture.DeliveryConfirmed, culture.DeliveryPublished:
		n.Title, n.Body = "配送已确认："+d.ItemTitle, d.ProviderName+"已确认"+what+"，活动已发布。"
	case culture.DeliveryDeclined:
		n.Title, n.Body = "配送被婉拒："+d.ItemTitle, d.ProviderName+"婉拒了"+what+"。原因："+d.Reason
	case culture.DeliveryCancelled:
		n.Title, n.Body = "配送已取消："+d.ItemTitle, what+"已取消。原因："+d.Reason
	default:
		return n, false
	}
	return n, true
}
