package demo

import (
	"math/rand/v2"
	"strings"
)

// surnames in rough order of frequency in Henan; earlier ones are drawn
// more often.
var surnames = strings.Fields(`王 李 张 刘 陈 杨 赵 郭 黄 周 吴 徐 孙 马 胡 朱 高 宋 何 郑
	韩 冯 范 梁 程 许 田 董 曹 袁 杜 谢 贾 魏 崔 吕 段 任 姚 常 牛 翟 毛 秦 苏 卢 蒋 丁
	薛 侯 孟 邵 白 史 焦 申 乔 武 陶 尚 靳 司 岳 原 卫 买 蔡 潘 葛 姜 庞 付 赫 聂`)

// given names by generation: people named in the 1950s–60s, 1970s–80s,
// 1990s and children born after 2010, each split into male and female.
var (
	givenOld = [2][]string{
		strings.Fields("建国 国强 建华 志刚 卫东 保国 振华 德明 文斌 长顺 福林 永强 国庆 建军 海林 玉林 新民 树森 金生 满仓"),
		strings.Fields("秀英 桂兰 玉梅 淑芬 秀兰 凤英 桂芳 玉兰 素芳 爱莲 丽华 秀珍 爱华 金凤 红梅 春梅 玉珍 翠萍 月娥 素梅"),
	}
	givenMid = [2][]string{
		strings.Fields("伟 强 磊 军 勇 杰 涛 斌 超 明 刚 鹏 辉 晓东 海涛 志强 建伟 俊杰 立新 永刚 红军 文杰 国栋 卫国 旭东"),
		strings.Fields("丽 艳 娟 敏 静 霞 燕 芳 丹 婷 晓燕 丽娜 春艳 海燕 红霞 雪梅 晓丽 慧敏 亚楠 艳红 利娟 玉洁 淑贞 彩霞 素娟"),
	}
	givenYoung = [2][]string{
		strings.Fields("浩 宇 帅 博 鑫 阳 凯 亮 昊 旭 佳豪 子健 明轩 浩宇 振宇 家乐 一鸣 天宇 晨阳 梓航"),
		strings.Fields("雪 悦 琪 璐 倩 婧 萌 佳琪 梦瑶 欣怡 思雨 雨婷 晨曦 梦洁 佳慧 诗雨 亚茹 文静 若琳 晓彤"),
	}
	givenChild = [2][]string{
		strings.Fields("子轩 浩然 宇航 梓豪 俊熙 一诺 皓轩 睿泽 铭泽 子墨 沐阳 奕辰 嘉懿 宇泽 锦程 乐天 承泽 思远 天佑 煜城"),
		strings.Fields("梓涵 欣怡 子涵 语桐 诗涵 若汐 梓萱 可馨 思彤 雨桐 沐晴 芷若 依诺 佳怡 雨萱 安琪 紫萱 梦琪 书瑶 一涵"),
	}
)

// Generations of given names.
const (
	genOld = iota
	genMid
	genYoung
	genChild
)

// namer draws Chinese names.
type namer struct{ rng *rand.Rand }

// surname favours the common surnames: the index is drawn with a density
// falling towards the end of the list.
func (n namer) surname() string {
	u := n.rng.Float64()
	return surnames[int(u*u*float64(len(surnames)))]
}

// given draws a given name of a generation; female picks the list.
func (n namer) given(gen int, female bool) string {
	lists := [...][2][]string{givenOld, givenMid, givenYoung, givenChild}[gen]
	f := 0
	if female {
		f = 1
	}
	return pick(n.rng, lists[f])
}

// full draws a whole name of a generation.
func (n namer) full(gen int, female bool) string {
	return n.surname() + n.given(gen, female)
}

// generation returns the naming generation of someone born in year.
func generation(year int) int {
	switch {
	case year < 1970:
		return genOld
	case year < 1990:
		return genMid
	case year < 2005:
		return genYoung
	}
	return genChild
}
