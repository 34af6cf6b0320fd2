package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/wenyun/wenyun/internal/culture"
)

// loadFeatures adds activities that show the grabbing features: a drawn
// lottery (its result page and `wenyun lottery verify` have something to
// check), a lottery taking applications, a show with reserved walk-in and
// community seats, and a real-name training course.
func (l *loader) loadFeatures(ctx context.Context) error {
	drawn, err := l.lottery(ctx, "解放剧场·贺岁电影抽签放映", l.day(-4), l.day(-1), l.day(2), 60, 90)
	if err != nil {
		return err
	}
	if lots, ok := l.s.(culture.LotteryService); ok {
		l.setClock(at(l.day(-1), "20:05"))
		if _, err := lots.DrawLottery(ctx, drawn.ID); err != nil {
			return fmt.Errorf("draw %q: %w", drawn.Title, err)
		}
	}
	open, err := l.lottery(ctx, "解放剧场·国产动画电影亲子专场（抽签）", l.day(-1), l.day(3), l.day(5), 80, 45)
	if err != nil {
		return err
	}
	if err := l.apply(ctx, open, []*resident{l.demo}); err != nil {
		return err
	}
	if err := l.reservedShow(ctx); err != nil {
		return err
	}
	return l.realNameCourse(ctx)
}

// lottery creates a 解放剧场 screening at the hub theatre taking
// applications from opens to closes (20:00), shown on the day start, and
// enters applicants residents.
func (l *loader) lottery(ctx context.Context, title string, opens, closes, start time.Time, seats, applicants int) (*culture.Activity, error) {
	a := &culture.Activity{
		UnitID: l.hub.unit.ID, RoomID: &l.hub.room("剧场").ID, SeriesID: &l.series[seriesJuchang].ID,
		Title: title, Category: "公益电影", Audience: "全年龄",
		Description: "热门场次名额有限，采用抽签分配：报名截止后由系统公开抽签，抽签种子事先以 SHA-256 承诺公布，任何人可复核结果。",
		StartsAt:    at(start, "19:30"), EndsAt: at(start, "21:30"), Capacity: seats,
		Mode: culture.ModeLottery, OpensAt: at(opens, "09:00"), ClosesAt: at(closes, "20:00"),
		MaxPerBooking: 2, LotteryWeighted: true,
	}
	if err := l.create(ctx, a, l.hub); err != nil {
		return nil, err
	}
	var who []*resident
	for i := 0; i < applicants && i < len(l.residents); i++ {
		who = append(who, l.residents[(i*7+3)%len(l.residents)])
	}
	return a, l.apply(ctx, a, who)
}

// apply enters each resident in a lottery, in its window.
func (l *loader) apply(ctx context.Context, a *culture.Activity, who []*resident) error {
	l.setClock(a.OpensAt.Add(time.Hour))
	for _, r := range who {
		_, err := l.s.CreateBooking(ctx, &culture.BookingRequest{ActivityID: a.ID, AccountID: r.acc.ID, Self: true})
		switch {
		case err == nil:
			l.sum.Bookings++
		case culture.ErrorReason(err) != culture.ReasonAlreadyBooked:
			return fmt.Errorf("apply to %q: %w", a.Title, err)
		}
	}
	l.setClock(l.now)
	return nil
}

// reservedShow creates a 豫剧 afternoon at 焦西 that keeps seats for
// residents who phone or walk in (适老化) and for the branch community.
func (l *loader) reservedShow(ctx context.Context) error {
	br := l.branches[0]
	start := at(l.day(3), "14:30")
	release := start.Add(-2 * time.Hour)
	return l.create(ctx, &culture.Activity{
		UnitID: br.unit.ID, RoomID: &br.room("多功能厅").ID, Title: "豫剧名家名段欣赏（留有现场及电话名额）",
		Category: "戏曲", Audience: "中老年戏迷",
		Description: "《花木兰》《穆桂英挂帅》选段。为不会用手机的老年朋友保留现场和电话预约名额，开演前两小时未用完的名额开放网上预约。",
		StartsAt:    start, EndsAt: start.Add(2 * time.Hour), Capacity: 100, Mode: culture.ModeFirstCome,
		OpensAt: at(l.day(-1), "09:00"), ClosesAt: start, MaxPerBooking: 2,
		ReservedWalkin: 20, ReservedCommunity: 10, ReserveReleaseAt: &release,
	}, br)
}

// realNameCourse creates a training course that takes a name and resident
// ID per attendee, like the 人社局 skills sessions of the seed article.
func (l *loader) realNameCourse(ctx context.Context) error {
	br := l.branches[len(l.branches)-1]
	start := at(l.day(6), "09:00")
	return l.create(ctx, &culture.Activity{
		UnitID: br.unit.ID, RoomID: &br.room("多功能厅").ID, Title: "养老护理员技能培训（实名制）",
		Category: "技能培训", Audience: "18 岁以上有意从事养老护理的居民",
		Description: "人社部门与文化馆联合举办，结业颁发培训证明，需实名报名（姓名与身份证号），每个身份证号限报一次。",
		StartsAt:    start, EndsAt: start.Add(3 * time.Hour), Capacity: 40, Mode: culture.ModeFirstCome,
		OpensAt: at(l.day(-2), "09:00"), ClosesAt: start, MaxPerBooking: 1, RealName: true,
	}, br)
}

// create stores an activity as the site's admin and counts it.
func (l *loader) create(ctx context.Context, a *culture.Activity, s *site) error {
	l.setClock(l.workTime(l.now.AddDate(0, 0, -5)))
	defer l.setClock(l.now)
	out, err := l.s.CreateActivity(culture.NewContextWithAccount(ctx, s.staff()), a, 1)
	if err != nil {
		return fmt.Errorf("create activity %q: %w", a.Title, err)
	}
	*a = *out[0]
	l.sum.Activities++
	l.sum.Bookable++
	return nil
}
