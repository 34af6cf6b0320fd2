package demo

import "github.com/wenyun/wenyun/internal/culture"

// template is a kind of activity: a title pattern with its items, who it is
// for, where and when it happens and how seats are given out.
type template struct {
	category string
	series   string // seriesYike, seriesJuchang or ""
	title    string // pattern with %s for the item's name
	items    []item
	audience string
	ageMin   int
	ageMax   int
	minutes  []int
	times    []string // local start times, "hh:mm"
	kinds    []string // unit kinds it can take place at
	rooms    []string // preferred rooms, by name
	class    int      // class size; 0: the room's capacity
	bookable float64  // share that takes bookings
	mode     string   // mode when it takes bookings
	maxPer   []int    // choices of seats per booking
	popular  float64  // share of seats taken when it is over
	guests   string   // who comes with the account holder: guestKids, guestElder, guestAny
	teacher  string   // sentence about the host, with {name}; "" for none
	note     string   // practical note
	weight   int      // how often it is drawn for an open slot
}

// item is one concrete activity of a template.
type item struct {
	name     string
	detail   string
	category string // overrides the template's category
	minutes  int    // overrides the template's durations (films)
}

// Who a resident brings along.
const (
	guestKids  = "kids"
	guestElder = "elder"
	guestAny   = "any"
)

var (
	anyUnit      = []string{culture.UnitHub, culture.UnitBranch, culture.UnitPoint}
	hubBranch    = []string{culture.UnitHub, culture.UnitBranch}
	branchPoint  = []string{culture.UnitBranch, culture.UnitPoint}
	hallRooms    = []string{"多功能厅", "剧场", "电影放映厅", "活动室"}
	studioRooms  = []string{"书画室", "非遗工坊", "培训教室", "少儿活动室", "活动室"}
	kidsRooms    = []string{"少儿活动室", "非遗工坊", "书画室", "活动室", "多功能厅"}
	danceRooms   = []string{"舞蹈排练室", "多功能厅", "活动室"}
	trainRooms   = []string{"培训教室", "多功能厅", "活动室"}
	lecturerRole = []string{"焦作市文化馆研究馆员", "河南理工大学教师", "焦作市作家协会会员", "区文化馆特聘讲师", "焦作市非遗保护中心专家"}
)

// general are the templates drawn for the ordinary slots of each day.
var general = []*template{
	{
		category: "文艺讲座", title: "文艺讲座：%s", items: lectureItems,
		audience: "成人及中学生", minutes: []int{90, 120}, times: []string{"09:30", "14:30", "19:00"},
		kinds: hubBranch, rooms: []string{"多功能厅", "培训教室", "剧场"},
		bookable: 0.45, mode: culture.ModeFirstCome, maxPer: []int{2}, popular: 0.7, guests: guestAny,
		teacher: "主讲人：{name}，{role}。", note: "讲座后设互动答疑环节，欢迎带着问题来。", weight: 8,
	},
	{
		category: "少儿益智", title: "%s", items: kidsItems,
		audience: "6–12 岁儿童（需一位家长陪同）", ageMin: 6, ageMax: 12,
		minutes: []int{60, 90}, times: []string{"09:30", "15:00", "16:30"},
		kinds: branchPoint, rooms: kidsRooms, class: 24,
		bookable: 0.7, mode: culture.ModeFirstCome, maxPer: []int{2, 3}, popular: 0.9, guests: guestKids,
		teacher: "带课老师：{name}。", note: "请家长全程陪同，孩子请穿便于活动的衣服。", weight: 6,
	},
	{
		category: "戏曲", title: "%s", items: operaItems,
		audience: "戏曲爱好者", minutes: []int{90, 120, 150}, times: []string{"09:00", "14:30", "19:00"},
		kinds: anyUnit, rooms: hallRooms,
		bookable: 0.3, mode: culture.ModeFirstCome, maxPer: []int{2}, popular: 0.8, guests: guestElder,
		note: "演出期间请将手机调至静音，勿随意走动。", weight: 5,
	},
	{
		category: "舞蹈", title: "%s", items: danceItems,
		audience: "舞蹈爱好者，零基础可参加", minutes: []int{60, 90}, times: []string{"08:30", "15:00", "19:30"},
		kinds: branchPoint, rooms: danceRooms,
		bookable: 0.25, mode: culture.ModeFirstCome, maxPer: []int{1}, popular: 0.75,
		teacher: "指导老师：{name}，区群众舞蹈协会会员。", note: "请穿软底鞋，自备饮用水。", weight: 7,
	},
	{
		category: "音乐", title: "%s", items: musicItems,
		audience: "音乐爱好者", minutes: []int{60, 90, 120}, times: []string{"10:00", "15:00", "19:00"},
		kinds: anyUnit, rooms: []string{"多功能厅", "剧场", "活动室"},
		bookable: 0.35, mode: culture.ModeFirstCome, maxPer: []int{2}, popular: 0.7, guests: guestAny,
		teacher: "指导老师：{name}。", weight: 4,
	},
	{
		category: "书法美术", title: "%s", items: artItems,
		audience: "成人及 12 岁以上青少年", ageMin: 12, minutes: []int{90, 120},
		times: []string{"09:00", "14:30", "19:00"}, kinds: hubBranch, rooms: studioRooms, class: 30,
		bookable: 0.6, mode: culture.ModeFirstCome, maxPer: []int{1}, popular: 0.85,
		teacher: "授课老师：{name}，焦作市书法家协会、美术家协会会员。", note: "笔墨纸张由馆内提供，也可自带常用工具。", weight: 6,
	},
	{
		category: "非遗", title: "非遗手作：%s", items: heritageItems,
		audience: "亲子家庭及非遗爱好者", ageMin: 6, minutes: []int{90, 120},
		times: []string{"09:30", "14:30"}, kinds: anyUnit, rooms: studioRooms, class: 24,
		bookable: 0.65, mode: culture.ModeFirstCome, maxPer: []int{2}, popular: 0.9, guests: guestKids,
		teacher: "传承人：{name}，市级非物质文化遗产代表性传承人。", note: "材料包由馆内免费提供，作品可带回家。", weight: 5,
	},
	{
		category: "公益电影", title: "流动电影进社区：%s", items: filmItems,
		audience: "社区居民", times: []string{"19:00", "19:30"},
		kinds: []string{culture.UnitPoint}, rooms: []string{"活动室"},
		note: "放映结束后请带走随身垃圾。", weight: 3,
	},
	{
		category: "健康养生", title: "%s", items: healthItems,
		audience: "中老年居民及家属", ageMin: 40, minutes: []int{60, 90}, times: []string{"08:30", "09:30", "15:00"},
		kinds: anyUnit, rooms: []string{"多功能厅", "舞蹈排练室", "培训教室", "活动室"},
		bookable: 0.25, mode: culture.ModeFirstCome, maxPer: []int{2}, popular: 0.7, guests: guestElder,
		teacher: "主讲：{name}，焦作市中医院医师。", note: "有慢性病的居民请遵医嘱，量力而行。", weight: 6,
	},
	{
		category: "技能培训", title: "技能培训：%s", items: trainingItems,
		audience: "有就业意愿的 18–60 岁居民", ageMin: 18, ageMax: 60, minutes: []int{120, 180},
		times: []string{"09:00", "14:00"}, kinds: hubBranch, rooms: trainRooms, class: 40,
		bookable: 1, mode: culture.ModeApproval, maxPer: []int{1}, popular: 0.8,
		teacher: "授课：{name}，焦作职工医学院讲师。", note: "报名需审核，请如实填写姓名；结业可参加区人社局组织的技能鉴定。", weight: 4,
	},
	{
		category: "技能培训", title: "适老化课堂：%s", items: phoneItems,
		audience: "60 岁以上老年人及子女", ageMin: 55, minutes: []int{90}, times: []string{"09:30", "15:00"},
		kinds: branchPoint, rooms: trainRooms, class: 30,
		bookable: 0.5, mode: culture.ModeFirstCome, maxPer: []int{2}, popular: 0.8, guests: guestElder,
		teacher: "志愿者老师：{name}。", note: "请带上自己的智能手机并充好电，可由子女陪同。", weight: 3,
	},
	{
		category: "阅读", title: "%s", items: readingItems,
		audience: "阅读爱好者", minutes: []int{90, 120}, times: []string{"10:00", "15:00", "19:00"},
		kinds: branchPoint, rooms: []string{"少儿活动室", "书画室", "多功能厅", "活动室"},
		bookable: 0.2, mode: culture.ModeFirstCome, maxPer: []int{2}, popular: 0.6, guests: guestKids,
		teacher: "领读人：{name}。", weight: 4,
	},
	{
		category: "展览", title: "%s", items: exhibitionItems,
		audience: "全体市民", minutes: []int{180}, times: []string{"09:00", "14:30"},
		kinds: hubBranch, rooms: []string{"多功能厅", "书画室"},
		note: "展览期间免费开放，团体参观请提前与馆内联系。", weight: 2,
	},
}

var lectureItems = []item{
	{name: "从陈家沟说起——焦作太极文化漫谈", detail: "陈氏太极拳发源于温县陈家沟。讲座梳理太极拳的源流、流派与健身价值，并现场演示基本步法。"},
	{name: "四大怀药的历史与养生智慧", detail: "怀山药、怀地黄、怀牛膝、怀菊花合称“四大怀药”。讲座讲述怀药的种植历史、道地性和家常食养方法。"},
	{name: "李商隐诗词赏析", detail: "从《锦瑟》《夜雨寄北》等名篇入手，品读这位怀州籍晚唐诗人含蓄深情的诗风。"},
	{name: "朱载堉与十二平均律", detail: "明代乐律学家朱载堉最早用数学方法精确计算出十二平均律。讲座用通俗的语言讲述这一发现和它对今天音乐的影响。"},
	{name: "竹林七贤与山阳故地", detail: "魏晋时期嵇康、阮籍等七人常在山阳竹林下游宴唱和。讲座结合本地遗迹讲述竹林七贤的故事与魏晋风度。"},
	{name: "焦作煤矿百年史话", detail: "从开矿建路、创办焦作路矿学堂到新中国的煤城建设，回顾焦作因煤而兴、转型发展的百年历程。"},
	{name: "云台山水与中国山水画", detail: "以红石峡、茱萸峰等景致为例，讲解中国山水画的构图与皴法，看画家眼中的太行山水。"},
	{name: "怀梆的前世今生", detail: "怀梆是流行于焦作一带的古老地方剧种。讲座介绍怀梆的声腔特点、代表剧目与传承现状，并穿插名段欣赏。"},
	{name: "用手机拍好家乡", detail: "讲解构图、光线和手机相机的常用设置，结合龙源湖公园、缝山公园的实拍照片进行点评。"},
	{name: "陪孩子度过小升初——家庭教育漫谈", detail: "一线教师讲解小升初阶段孩子在学习和心理上的变化，给家长可操作的陪伴建议。"},
}

var kidsItems = []item{
	{name: "少儿围棋入门：认识棋盘与吃子", detail: "从棋盘、棋子和基本规则讲起，通过对弈小游戏学会“提子”和“逃子”。"},
	{name: "七巧板与数独思维挑战", detail: "用七巧板拼出动物和房子，再挑战入门数独，在游戏中锻炼空间想象和推理能力。"},
	{name: "乐高搭建：我心中的焦作", detail: "小朋友分组用积木搭出心中的焦作地标，并向大家介绍自己的作品。"},
	{name: "少儿科学小实验：会跳舞的盐", detail: "用保鲜膜、碗和小喇叭让盐粒“跳舞”，直观认识声音的振动。"},
	{name: "小小讲解员：走进文化馆", detail: "学习讲解礼仪和表达技巧，分组为家长讲解一件展品，培养表达自信。"},
	{name: "少儿编程启蒙：让小猫动起来", detail: "使用图形化编程工具，让屏幕上的小猫走路、说话、做游戏，感受编程思维。"},
}

var operaItems = []item{
	{name: "豫剧经典唱段专场：《花木兰》《朝阳沟》选段", detail: "由区豫剧票友协会与专业演员同台演出“谁说女子不如男”“亲家母你坐下”等耳熟能详的经典唱段。"},
	{name: "豫剧《穆桂英挂帅》选场", detail: "演出豫剧经典剧目《穆桂英挂帅》选场，再现穆桂英临危受命、挂帅出征的英姿。"},
	{name: "怀梆传统剧目折子戏展演", detail: "怀梆剧团演员带来传统折子戏，让观众在家门口感受这一古老剧种高亢粗犷的唱腔。"},
	{name: "戏曲票友交流会：豫剧名段清唱", detail: "欢迎票友报名登台清唱，现场有乐队伴奏，专业老师点评指导。"},
	{name: "豫剧《七品芝麻官》选场", detail: "演出豫剧喜剧名篇《七品芝麻官》选场，“当官不为民做主，不如回家卖红薯”唱出百姓心声。"},
	{name: "戏曲进社区：曲剧、越调名段欣赏", detail: "河南三大剧种之外，再听曲剧、越调的经典选段，了解中原戏曲的丰富面貌。"},
}

var danceItems = []item{
	{name: "广场舞新曲目教学：《最炫民族风》", detail: "分解教学整套动作，节奏明快，适合初学者。"},
	{name: "广场舞新曲目教学：《荷塘月色》", detail: "舒展柔美的广场舞曲目，重点练习手位和队形变换。"},
	{name: "排舞基础班：恰恰与伦巴步伐", detail: "从基本步伐开始，学习一支完整的入门排舞。"},
	{name: "健身操：肩颈舒展十五式", detail: "适合久坐人群的健身操，缓解肩颈僵硬，动作简单易学。"},
	{name: "民族舞体验：蒙古族筷子舞", detail: "体验蒙古族舞蹈的豪迈与欢快，学习筷子舞的基本动作。"},
	{name: "社区广场舞联谊展演", detail: "各社区舞蹈队轮番登场，展示一年来的练习成果，欢迎居民观看助威。"},
}

var musicItems = []item{
	{name: "社区合唱团开放排练：《我和我的祖国》", detail: "合唱团开放排练，欢迎爱唱歌的居民旁听和加入，现场学习发声与声部配合。"},
	{name: "葫芦丝入门：《月光下的凤尾竹》", detail: "从持琴、吐音学起，课程结束时能吹出一段完整旋律。"},
	{name: "古筝公开课：《渔舟唱晚》", detail: "讲解古筝的构造和基本指法，老师现场演奏并带领体验。"},
	{name: "民乐小型音乐会", detail: "二胡、琵琶、笛子、扬琴联袂演出《喜洋洋》《茉莉花》等民乐经典。"},
	{name: "二胡入门：运弓与指法", detail: "学习二胡的持弓、运弓和第一把位指法，馆内提供练习用琴。"},
}

var artItems = []item{
	{name: "毛笔书法入门：永字八法", detail: "通过一个“永”字掌握点、横、竖、撇、捺等八种基本笔画的写法。"},
	{name: "硬笔书法：楷书间架结构", detail: "讲解楷书的间架结构规律，现场临写并逐一点评。"},
	{name: "国画写意：墨竹", detail: "学习竹竿、竹节和竹叶的画法，完成一幅写意墨竹小品。"},
	{name: "国画小品：荷花", detail: "用没骨法画荷叶、勾勒荷花，体会墨色的浓淡变化。"},
	{name: "隶书临帖：《曹全碑》", detail: "赏析《曹全碑》的秀美风格，临写“蚕头燕尾”的典型笔画。"},
	{name: "水彩风景：秋日龙源湖", detail: "以龙源湖秋景照片为参照，学习水彩湿画法和色彩搭配。"},
	{name: "素描基础：几何体与静物", detail: "学习线条、明暗五调子，完成一幅简单的静物素描。"},
}

var heritageItems = []item{
	{name: "传统灯笼扎制", detail: "“非遗进校园”中深受孩子们喜爱的灯笼制作搬进了文化馆：从竹篾扎骨架、糊纸到彩绘，亲手做一盏传统灯笼。"},
	{name: "团扇绘制", detail: "在素白团扇上用国画颜料绘制花鸟，了解团扇的历史和“合欢扇”的寓意。"},
	{name: "十二生肖窗花剪纸", detail: "学习折剪和阴刻、阳刻技法，剪出自己的生肖窗花。"},
	{name: "面塑小老虎", detail: "用彩色面团捏出虎头、虎身，体验面塑的搓、捏、压、挑等技法。"},
	{name: "绞胎瓷纹样欣赏与拓印", detail: "认识当阳峪绞胎瓷独特的纹理之美，用彩泥体验绞胎纹样的形成过程。"},
	{name: "中国结编织", detail: "学习平结、双联结等基本结法，编一个平安结挂件。"},
}

var filmItems = []item{
	{name: "《我和我的祖国》", detail: "七个故事串起新中国成立以来的难忘瞬间，展现普通人与国家命运的紧密相连。", minutes: 155},
	{name: "《流浪地球》", detail: "太阳即将毁灭，人类带着地球踏上流浪之旅，中国科幻电影的代表作。", minutes: 125},
	{name: "《中国机长》", detail: "根据真实事件改编，讲述机组在万米高空遭遇险情、沉着处置的故事。", minutes: 111},
	{name: "《夺冠》", detail: "讲述中国女排几代人顽强拼搏的历程，弘扬女排精神。", minutes: 135},
	{name: "《我和我的家乡》", detail: "五个发生在祖国东西南北中的家乡故事，轻松幽默又温暖感人。", minutes: 153},
	{name: "《你好，李焕英》", detail: "女儿意外“穿越”回到年轻母亲的身边，一部关于母爱的温情喜剧。", minutes: 128},
	{name: "《寻梦环游记》", detail: "热爱音乐的男孩误入亡灵世界，展开一段关于家庭与记忆的奇幻冒险。", minutes: 105},
	{name: "《哪吒之魔童降世》", detail: "“我命由我不由天”，国产动画重新演绎哪吒的成长故事。", minutes: 110},
	{name: "《百鸟朝凤》", detail: "讲述唢呐艺人师徒两代人坚守传统技艺的故事，寄托对民间艺术的深情。", minutes: 108},
	{name: "《闪闪的红星》", detail: "经典红色电影，讲述少年潘冬子在革命斗争中成长为红军战士的故事。", minutes: 100},
	{name: "《疯狂动物城》", detail: "兔子警官朱迪和狐狸尼克联手破案，一部关于梦想与偏见的动画喜剧。", minutes: 109},
}

var healthItems = []item{
	{name: "中医养生讲座：秋冬进补话怀药", detail: "结合四大怀药讲解秋冬季节的饮食调养，现场教大家做一道山药养生粥。"},
	{name: "颈椎腰椎保健操教学", detail: "医师讲解颈椎病、腰肌劳损的成因，教一套在家就能做的保健操。"},
	{name: "八段锦晨练教学", detail: "逐式教学传统健身功法八段锦，动作舒缓，适合中老年人长期练习。"},
	{name: "慢病管理：高血压与糖尿病的日常照护", detail: "讲解血压、血糖的家庭监测和饮食运动注意事项，现场免费测量血压。"},
	{name: "老年人防跌倒与居家安全", detail: "评估跌倒风险，讲解居家适老化改造的小窍门和跌倒后的正确处理方法。"},
	{name: "陈式太极拳入门（十八式）", detail: "学习陈式太极拳精要十八式的前六式，体会松、柔、缓、匀的要领。"},
}

var trainingItems = []item{
	{name: "保健按摩（初级）", detail: "学习常用穴位定位和推、拿、按、揉等基本手法，为从事保健按摩工作打基础。"},
	{name: "家政服务（居家保洁与收纳）", detail: "讲解家庭保洁流程、清洁剂的安全使用和衣物收纳技巧，并进行实操练习。"},
	{name: "家政服务（母婴护理）", detail: "学习新生儿洗澡、抚触、喂养和产妇月子照护的基本技能。"},
	{name: "养老护理员岗前培训", detail: "学习老年人生活照料、翻身移位和常见应急处置，结业后可推荐就业岗位。"},
	{name: "电商直播入门", detail: "讲解直播平台规则、选品和话术，现场模拟一场怀药特产直播。"},
	{name: "中式面点制作", detail: "学习和面、醒面和包子、花卷的制作，为创业就业增添一技之长。"},
}

var phoneItems = []item{
	{name: "微信视频通话与发语音", detail: "手把手教老年朋友用微信和子女视频、发语音、看朋友圈。"},
	{name: "扫码乘车与网上挂号", detail: "学会用手机扫码乘公交、在医院公众号上预约挂号，出门办事更方便。"},
	{name: "防范电信网络诈骗", detail: "民警结合真实案例讲解常见骗局，教大家识别陌生来电和可疑链接。"},
	{name: "用手机在线预约文化活动", detail: "学会关注解放区数字文化馆公众号，在线报名、抢票和出示电子票。"},
}

var readingItems = []item{
	{name: "读书会：路遥《平凡的世界》", detail: "共读孙少安、孙少平兄弟的奋斗故事，分享各自的阅读感受。"},
	{name: "读书会：梁晓声《人世间》", detail: "围绕周家三兄妹的人生，聊聊半个世纪里普通人的悲欢。"},
	{name: "读书会：余华《活着》", detail: "读福贵的一生，谈苦难与坚韧，欢迎带上你的读书笔记。"},
	{name: "亲子绘本共读：《猜猜我有多爱你》", detail: "老师带领家长和孩子共读绘本，并完成一份亲子手工小书。"},
	{name: "诗词大会：飞花令挑战", detail: "以“月”“春”“山”为令，分组进行飞花令比赛，老少皆宜。"},
	{name: "读书会：迟子建《额尔古纳河右岸》", detail: "走进鄂温克族最后的游猎生活，讨论人与自然的关系。"},
}

var exhibitionItems = []item{
	{name: "煤城记忆——焦作老照片展", detail: "展出百余幅老照片，记录焦作从煤城到山水城市的变迁。"},
	{name: "解放区群众书画摄影作品展", detail: "展出全区群众创作的书法、国画和摄影作品八十余件。"},
	{name: "非遗成果展：灯笼与团扇", detail: "集中展示各分馆非遗手作课的学员作品，并有传承人现场演示。"},
	{name: "“四大怀药”主题科普展", detail: "通过实物、图片和互动展项介绍怀药的种植、炮制和应用。"},
}
