package demo

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/wenyun/wenyun/internal/culture"
)

// communityWeeks is how long ago the branch communities opened: the
// growth chart covers the same twelve weeks.
const communityWeeks = 12

// event is one write of the community stage, done at its moment.
type event struct {
	at time.Time
	do func(context.Context) error
}

// loadCommunities has most residents join their home branch's community
// and a few a second one, spread over the twelve weeks before Now, while
// each branch posts one to three announcements to its members. Joins and
// posts run in time order, so an announcement reaches exactly those who
// had joined by then. The demo resident keeps to the inbox alone.
func (l *loader) loadCommunities(ctx context.Context) error {
	events := append(l.joins(), l.announcements()...)
	slices.SortStableFunc(events, func(a, b event) int { return a.at.Compare(b.at) })
	for i, e := range events {
		l.setClock(e.at)
		if err := e.do(ctx); err != nil {
			return err
		}
		l.report(StageCommunities, i+1, len(events))
	}
	l.setClock(l.now)
	// Inbox only: no SMS, e-mail or WeChat for the account testers use.
	err := l.s.UpdatePrefs(ctx, &culture.NotificationPrefs{AccountID: l.demo.acc.ID, Channels: map[string]bool{}})
	if err != nil {
		return fmt.Errorf("demo resident's notification channels: %w", err)
	}
	return nil
}

// joins draws who joins which community when: the demo resident joins
// 焦西 early, 85% of the others their home branch, and one in twelve of
// those a second branch later on.
func (l *loader) joins() []event {
	opened := l.day(-7 * communityWeeks).Add(9 * time.Hour)
	var out []event
	for _, r := range l.residents {
		if r != l.demo && !chance(l.rng, 0.85) {
			continue
		}
		at := l.joinTime(r, opened)
		if r == l.demo {
			at = r.acc.CreatedAt.Add(2 * time.Hour) // before any announcement
		}
		out = append(out, l.join(r, r.home, at))
		if r != l.demo && chance(l.rng, 1.0/12) {
			other := l.branches[l.rng.IntN(len(l.branches))]
			if other != r.home {
				out = append(out, l.join(r, other, at.Add(between(l.rng, 24*time.Hour, 20*24*time.Hour))))
			}
		}
	}
	return out
}

// joinTime draws when r joins: many on the day they sign up (the
// branches promote the community at sign-up), the rest on any later day
// up to yesterday, in waking hours.
func (l *loader) joinTime(r *resident, opened time.Time) time.Time {
	from := r.acc.CreatedAt
	if from.Before(opened) {
		from = opened
	}
	if chance(l.rng, 0.35) {
		return from.Add(between(l.rng, 10*time.Minute, 3*time.Hour))
	}
	days := int(l.day(0).Sub(from).Hours() / 24)
	day := from.AddDate(0, 0, l.rng.IntN(max(days, 1)))
	return at(day, "07:00").Add(between(l.rng, 0, 15*time.Hour))
}

// join is r joining the community of branch br at t; times past Now are
// pulled back to just before it.
func (l *loader) join(r *resident, br *site, t time.Time) event {
	if !t.Before(l.now) {
		t = l.now.Add(-time.Duration(l.rng.IntN(3600)+60) * time.Second)
	}
	return event{at: t, do: func(ctx context.Context) error {
		if err := l.s.JoinCommunity(ctx, r.acc.ID, br.unit.ID); err != nil {
			return fmt.Errorf("%s joins %s: %w", r.phone, br.unit.Name, err)
		}
		l.sum.Members++
		return nil
	}}
}

// announcements draws one to three posts per branch over the last four
// weeks, by the branch admin in office hours; 焦西 (the demo resident's
// branch) posts three.
func (l *loader) announcements() []event {
	var out []event
	for _, br := range l.branches {
		n := 1 + l.rng.IntN(3)
		if br == l.demo.home {
			n = 3
		}
		for _, i := range l.rng.Perm(len(announcementSeeds))[:n] {
			t := l.workTime(l.day(-1 - l.rng.IntN(27)))
			out = append(out, l.announce(br, announcementSeeds[i], t))
		}
	}
	return out
}

func (l *loader) announce(br *site, seed announcementSeed, t time.Time) event {
	r := strings.NewReplacer("{branch}", br.unit.Name, "{room}", br.rooms[0].Name)
	a := &culture.Announcement{UnitID: br.unit.ID, AuthorID: br.admin.ID,
		Title: r.Replace(seed.title), Body: r.Replace(seed.body)}
	return event{at: t, do: func(ctx context.Context) error {
		if err := l.s.PostAnnouncement(culture.NewContextWithAccount(ctx, br.admin), a); err != nil {
			return fmt.Errorf("announce %q at %s: %w", a.Title, br.unit.Name, err)
		}
		l.sum.Announcements++
		return nil
	}}
}

// announcementSeed is an announcement's title and body; {branch} and
// {room} stand for the branch and its largest room.
type announcementSeed struct{ title, body string }

var announcementSeeds = []announcementSeed{
	{"场地维修通知", "本周六、周日{room}进行空调和灯光检修，暂停开放。已预约的活动照常举行，地点改到一楼大厅，请留意现场指引。给大家带来不便，敬请谅解。"},
	{"新学期公益课程报名开始", "{branch}新一期公益课程（书法、国画、声乐、太极拳）下周一上午 9:00 起在平台开放预约，每人限报两门。\n不会用手机的老年朋友，可以到分馆服务台由工作人员帮您登记。"},
	{"文艺志愿者招募", "分馆招募文艺志愿者，协助活动签到、维持秩序、帮助老年朋友扫码入场。每月服务不少于 4 小时，服务时长计入志愿服务记录。\n有意者请到服务台报名，或在活动现场找工作人员。"},
	{"开放时间调整", "即日起{branch}开放时间调整为周二至周日 8:30—20:30，周一闭馆（节假日另行通知）。晚间活动结束后请从东侧门离场。"},
	{"书画摄影作品征集", "“我的家乡解放区”书画摄影作品征集开始啦！居民均可投稿，书法、国画、摄影不限，作品请于月底前送到{room}。优秀作品将在总馆展厅展出。"},
	{"防诈骗知识讲座", "本周四下午三点，社区民警来{room}讲解养老诈骗、电信诈骗的常见手法。欢迎中老年朋友和家人一起来听，现场免费发放防诈手册。"},
	{"失物招领", "上周六活动结束后，工作人员在{room}拾到老花镜一副、保温杯一个，请失主到服务台认领。"},
	{"预约须知", "请预约后按时参加。如果不能来，请在活动开始前取消，把名额让给其他居民。无故缺席累计三次的，将暂停 30 天网上预约资格。"},
	{"广场舞展演集中排练", "参加区广场舞展演的各支队伍，请于本周四晚 7 点到{branch}门前广场集中排练，请队长提前清点人数、统一服装。"},
	{"社群微信群开通", "{branch}社群的微信群已开通，活动照片、临时通知会同步发在群里。入群请到服务台扫码，或在活动现场找工作人员。"},
}
