package demo

import (
	"context"
	"fmt"

	"github.com/wenyun/wenyun/internal/culture"
)

// Slugs of the two brand series of the seed article.
const (
	seriesYike    = "jiefang-yike"
	seriesJuchang = "jiefang-juchang"
)

var seriesSeeds = []culture.Series{
	{
		Slug: seriesYike, Name: "解放益课",
		Description: "“解放益课”是解放区文化馆打造的少儿亲子公益课堂品牌，每个周末在总馆和各分馆开课，" +
			"内容涵盖科学、美术、书法、非遗手作和绘本阅读，由一位家长陪同孩子共同参加。课程免费，线上抢票。",
	},
	{
		Slug: seriesJuchang, Name: "解放剧场",
		Description: "“解放剧场”公益电影放映品牌，周六晚在总馆剧场、周五晚和周日下午在各分馆放映厅放映" +
			"主旋律影片、优秀国产片和经典动画，免费观影，凭电子票入场。",
	},
}

// yike is the template of the 解放益课 parent-and-child classes.
var yike = &template{
	category: "少儿益智", series: seriesYike, title: "解放益课·%s", items: yikeItems,
	audience: "4–10 岁儿童及一位家长", ageMin: 4, ageMax: 10,
	minutes: []int{60, 90}, kinds: hubBranch, rooms: []string{"少儿活动室", "非遗工坊", "书画室", "多功能厅", "舞蹈排练室"},
	class: 24, bookable: 1, mode: culture.ModeFirstCome, maxPer: []int{2, 3}, popular: 0.97, guests: guestKids,
	teacher: "授课老师：{name}。", note: "每张票含一名儿童和陪同家长；请提前 10 分钟到场签到，迟到 15 分钟名额不予保留。",
}

var yikeItems = []item{
	{name: "亲子手工：不织布小灯笼", detail: "用不织布、彩绳和小铃铛缝制一盏迷你灯笼，了解元宵赏灯的习俗。", category: "非遗"},
	{name: "少儿创意美术：树叶拼贴画", detail: "收集秋天的落叶，拼贴成小动物和风景，认识不同形状的叶子。", category: "书法美术"},
	{name: "科学小实验：火山爆发啦", detail: "用小苏打和白醋模拟火山喷发，认识酸碱反应。"},
	{name: "绘本剧场：《三只小猪》", detail: "先读绘本，再分角色表演，孩子们戴上头饰当一回小演员。", category: "阅读"},
	{name: "折纸课堂：会跳的青蛙", detail: "一张方纸折出能跳远的青蛙，最后举行亲子跳远比赛。"},
	{name: "少儿口才：我是小主持人", detail: "练习自我介绍和绕口令，在舞台上完成一次小主持。"},
	{name: "亲子团扇：画一把团扇", detail: "亲子合作在团扇上画出喜欢的花朵或小动物，感受传统扇面艺术。", category: "非遗"},
	{name: "少儿书法：握笔与基本笔画", detail: "学习正确的坐姿和握笔方法，练习横、竖、撇、捺四种基本笔画。", category: "书法美术"},
	{name: "亲子律动：音乐小手指", detail: "跟着音乐拍手、跺脚、敲打小乐器，在游戏中感受节奏。", category: "音乐"},
	{name: "小小建筑师：纸杯搭高塔", detail: "用一百个纸杯挑战最高的塔，学习结构和团队合作。"},
	{name: "剪纸里的十二生肖", detail: "听生肖故事，剪一只属于自己的生肖小动物。", category: "非遗"},
	{name: "亲子瑜伽：和爸爸妈妈一起伸展", detail: "亲子双人瑜伽游戏，增进亲子感情，锻炼孩子的平衡感。", category: "健康养生"},
}

// juchang is the template of the 解放剧场 free film screenings.
var juchang = &template{
	category: "公益电影", series: seriesJuchang, title: "解放剧场·%s", items: filmItems,
	audience: "全年龄（12 岁以下儿童需家长陪同）", kinds: hubBranch,
	rooms: []string{"剧场", "电影放映厅", "多功能厅"}, bookable: 1, mode: culture.ModeFirstCome,
	maxPer: []int{3, 4}, popular: 0.7, guests: guestAny,
	note: "凭电子票入场，请提前 15 分钟到场；场内禁止吸烟和饮食。",
}

// loadSeries creates the brand series.
func (l *loader) loadSeries(ctx context.Context) error {
	l.series = map[string]*culture.Series{}
	for _, seed := range seriesSeeds {
		s := seed
		if err := l.s.CreateSeries(ctx, &s); err != nil {
			return fmt.Errorf("create series %s: %w", s.Slug, err)
		}
		l.series[s.Slug] = &s
	}
	return nil
}
