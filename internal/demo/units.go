package demo

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/wenyun/wenyun/internal/culture"
)

// site is a created unit with its rooms and the staff who run it.
type site struct {
	unit  *culture.Unit
	rooms []*culture.Room
	// branch is the branch the site belongs to: itself for a branch, nil
	// for the hub.
	branch *site
	// admin creates the site's activities; checker checks tickets in.
	admin   *culture.Account
	checker *culture.Account
	user    string // username of the branch admin
	index   int    // position among the branches
}

// room returns the site's first room named one of names, in the order of
// names, or the first room (the largest hall).
func (s *site) room(names ...string) *culture.Room {
	if r := s.roomNamed(names...); r != nil {
		return r
	}
	return s.rooms[0]
}

// roomNamed returns the site's first room named one of names, or nil.
func (s *site) roomNamed(names ...string) *culture.Room {
	for _, n := range names {
		for _, r := range s.rooms {
			if r.Name == n {
				return r
			}
		}
	}
	return nil
}

type roomSeed struct {
	name     string
	capacity int
}

type branchSeed struct {
	name, user, address string
	rooms               []roomSeed
	points              []string // community (社区) or village (村) names
}

const hubName = "解放区文化馆"
const hubAddress = "河南省焦作市解放区人民中路 1288 号"

var hubRooms = []roomSeed{
	{"剧场", 300}, {"多功能厅", 150}, {"书画室", 40}, {"舞蹈排练室", 50},
	{"非遗工坊", 30}, {"培训教室", 60},
}

// branchSeeds are the nine subdistricts (街道) and the health industrial park.
var branchSeeds = []branchSeed{
	{"焦西街道分馆", "jiaoxi", "焦作市解放区解放西路 215 号",
		[]roomSeed{{"多功能厅", 120}, {"书画室", 30}, {"少儿活动室", 25}},
		[]string{"锦祥社区", "电建社区", "电翔社区", "西环社区"}},
	{"焦南街道分馆", "jiaonan", "焦作市解放区塔南路 88 号",
		[]roomSeed{{"电影放映厅", 100}, {"舞蹈排练室", 40}},
		[]string{"丰收社区", "映湖社区", "塔南社区"}},
	{"焦北街道分馆", "jiaobei", "焦作市解放区民主北路 512 号",
		[]roomSeed{{"多功能厅", 150}, {"书画室", 30}, {"舞蹈排练室", 50}},
		[]string{"枫华园社区", "花园街社区", "北山社区"}},
	{"七百间街道分馆", "qibaijian", "焦作市解放区站前路 19 号",
		[]roomSeed{{"多功能厅", 80}, {"少儿活动室", 30}},
		[]string{"七百间社区", "青年路社区", "学生路社区", "果园社区"}},
	{"新华街道分馆", "xinhua", "焦作市解放区新华中街 102 号",
		[]roomSeed{{"电影放映厅", 120}, {"书画室", 24}, {"少儿活动室", 30}},
		[]string{"新华街社区", "中州社区", "政二街社区"}},
	{"民生街道分馆", "minsheng", "焦作市解放区民生街 66 号",
		[]roomSeed{{"多功能厅", 100}, {"舞蹈排练室", 45}},
		[]string{"民生社区", "太行社区", "建设社区"}},
	{"民主街道分馆", "minzhu", "焦作市解放区民主南路 168 号",
		[]roomSeed{{"多功能厅", 200}, {"书画室", 36}, {"少儿活动室", 28}},
		[]string{"民主路社区", "团结社区", "人民路社区", "解放路社区"}},
	{"王褚街道分馆", "wangchu", "焦作市解放区丰收西路 9 号",
		[]roomSeed{{"多功能厅", 90}, {"书画室", 20}},
		[]string{"王褚村", "新庄村", "南庄村"}},
	{"上白作街道分馆", "shangbaizuo", "焦作市解放区上白作村文化广场北侧",
		[]roomSeed{{"多功能厅", 80}, {"舞蹈排练室", 35}},
		[]string{"上白作村", "下白作村", "东白作村"}},
	{"健康产业园区分馆", "jiankang", "焦作市解放区健康产业园区管委会一楼",
		[]roomSeed{{"电影放映厅", 150}, {"少儿活动室", 40}, {"书画室", 24}},
		[]string{"康园社区", "百和社区", "瓮涧社区"}},
}

// facilities describes what a room of the given name holds.
func facilities(room string) string {
	switch {
	case strings.Contains(room, "剧场"):
		return "专业舞台灯光、LED 大屏、线阵音响、无障碍座位、母婴室"
	case strings.Contains(room, "放映"):
		return "数字放映机、环绕立体声、阶梯座椅、无障碍通道"
	case strings.Contains(room, "多功能"):
		return "投影仪、音响、活动桌椅、空调、无障碍通道"
	case strings.Contains(room, "书画"), strings.Contains(room, "工坊"):
		return "书画案台、洗笔池、展示墙、空调"
	case strings.Contains(room, "舞蹈"):
		return "木地板、把杆、整面镜墙、音响"
	case strings.Contains(room, "少儿"):
		return "软包地垫、儿童桌椅、绘本架、空调"
	case strings.Contains(room, "培训"):
		return "投影仪、电脑、课桌椅、无线网络"
	}
	return "桌椅、音响、投影仪、空调"
}

// loadUnits creates the hub, the branches, their points and every room.
func (l *loader) loadUnits(ctx context.Context) error {
	l.setClock(l.day(-120 - l.shift()).Add(9 * time.Hour))
	total := 1 + len(branchSeeds)
	for _, b := range branchSeeds {
		total += len(b.points)
	}
	hub, err := l.createSite(ctx, culture.UnitHub, hubName, hubAddress, nil, hubRooms)
	if err != nil {
		return err
	}
	l.hub = hub
	done := 1
	for i, b := range branchSeeds {
		if err := l.createBranch(ctx, i, b); err != nil {
			return err
		}
		done += 1 + len(b.points)
		l.progress(StageUnits, done, total)
	}
	return nil
}

func (l *loader) createBranch(ctx context.Context, i int, b branchSeed) error {
	br, err := l.createSite(ctx, culture.UnitBranch, b.name, b.address, l.hub, b.rooms)
	if err != nil {
		return err
	}
	br.branch, br.user, br.index = br, b.user, i
	l.branches = append(l.branches, br)
	for _, p := range b.points {
		name, addr := pointName(p)
		room := []roomSeed{{"活动室", 20 + 5*l.rng.IntN(9)}}
		pt, err := l.createSite(ctx, culture.UnitPoint, name, addr, br, room)
		if err != nil {
			return err
		}
		pt.branch = br
		l.points = append(l.points, pt)
	}
	return nil
}

// pointName names the culture service centre of a community or village.
func pointName(community string) (name, address string) {
	if strings.HasSuffix(community, "村") {
		return community + "综合文化服务中心", "焦作市解放区" + community + "村委会院内"
	}
	return community + "文化服务中心", "焦作市解放区" + community + "党群服务中心二楼"
}

func (l *loader) createSite(ctx context.Context, kind, name, addr string, parent *site, rooms []roomSeed) (*site, error) {
	u := &culture.Unit{Kind: kind, Name: name, Address: addr}
	if parent != nil {
		u.ParentID = &parent.unit.ID
	}
	if err := l.s.CreateUnit(ctx, u); err != nil {
		return nil, fmt.Errorf("create unit %s: %w", name, err)
	}
	st := &site{unit: u}
	for _, rs := range rooms {
		r := &culture.Room{UnitID: u.ID, Name: rs.name, Capacity: rs.capacity, Facilities: facilities(rs.name)}
		if err := l.s.CreateRoom(ctx, r); err != nil {
			return nil, fmt.Errorf("create room %s/%s: %w", name, rs.name, err)
		}
		st.rooms = append(st.rooms, r)
	}
	l.sum.Units++
	l.sum.Rooms += len(rooms)
	return st, nil
}
