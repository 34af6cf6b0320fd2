package culture

import (
	"math"
	"strings"
	"testing"
	"time"
)

// TestValidateReservesOverflow: huge reserves must not wrap around when
// added, which once let an activity of 5 seats hold ~9.2e18 walk-in seats.
func TestValidateReservesOverflow(t *testing.T) {
	start := time.Date(2031, 3, 1, 9, 0, 0, 0, Shanghai)
	for _, tc := range []struct {
		name                string
		capacity, w, c      int
		mode                string
		ok                  bool
		wantMessageContains string
	}{
		{"BothMax", 5, math.MaxInt, math.MaxInt, ModeFirstCome, false, "合计不能超过"},
		{"WalkinMax", 5, math.MaxInt, 0, ModeFirstCome, false, "合计不能超过"},
		{"CommunityMax", 5, 0, math.MaxInt, ModeFirstCome, false, "合计不能超过"},
		{"WrapToMinusTwo", 5, math.MaxInt, math.MaxInt - 1, ModeFirstCome, false, "合计不能超过"},
		{"HalfEach", 5, math.MaxInt/2 + 1, math.MaxInt/2 + 1, ModeFirstCome, false, "合计不能超过"},
		{"SumOneOver", 5, 3, 3, ModeFirstCome, false, "合计不能超过"},
		{"NegativeWithHuge", 5, math.MinInt, math.MaxInt, ModeFirstCome, false, "不能为负数"},
		{"Exact", 5, 3, 2, ModeFirstCome, true, ""},
		{"AllWalkin", 5, 5, 0, ModeFirstCome, true, ""},
		{"AllCommunity", 5, 0, 5, ModeFirstCome, true, ""},
		{"None", 5, 0, 0, ModeFirstCome, true, ""},
		{"OpenHuge", 0, math.MaxInt, math.MaxInt, ModeOpen, false, "合计不能超过"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := &Activity{Capacity: tc.capacity, Mode: tc.mode, StartsAt: start,
				ReservedWalkin: tc.w, ReservedCommunity: tc.c}
			err := a.validateReserves()
			if tc.ok != (err == nil) {
				t.Fatalf("validateReserves(cap=%d, w=%d, c=%d) = %v, want ok=%v", tc.capacity, tc.w, tc.c, err, tc.ok)
			}
			if err != nil && (ErrorCode(err) != EINVALID || !strings.Contains(ErrorMessage(err), tc.wantMessageContains)) {
				t.Errorf("error %v, want EINVALID with %q", err, tc.wantMessageContains)
			}
		})
	}
}

// TestCheckTextRefusesControlCharacters: the central text check refuses
// what no database column should hold.
func TestCheckTextRefusesControlCharacters(t *testing.T) {
	for _, tc := range []struct {
		name string
		s    string
		ok   bool
	}{
		{"Plain", "书法课", true},
		{"NewlineTabCR", "第一行\r\n第二行\t缩进", true},
		{"Emoji", "书法🖌课", true},
		{"NUL", "书法\x00课", false},
		{"Bell", "书法\x07课", false},
		{"Escape", "\x1b[31m红色", false},
		{"VerticalTab", "a\vb", false},
		{"DEL", "a\x7fb", false},
		{"C1", "a\u0085b", false},
		{"InvalidUTF8", "a\xffb", false},
		{"Surrogate", "a\xed\xa0\x80b", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := checkText("title", "标题", tc.s, 0, 100)
			if tc.ok != (err == nil) {
				t.Fatalf("checkText(%q) = %v, want ok=%v", tc.s, err, tc.ok)
			}
			if err != nil && ErrorMessage(err) != "标题包含无效字符。" {
				t.Errorf("message %q", ErrorMessage(err))
			}
		})
	}
}

func TestCheckWaiveReason(t *testing.T) {
	for _, tc := range []struct {
		reason, want string
	}{
		{"老人临时住院", ""},
		{"  住院  ", ""},
		{"x", "长度应在 2 到 200"},
		{strings.Repeat("病", 201), "长度应在 2 到 200"},
		{"住院\x00证明", "免除原因包含无效字符。"},
		{"住院\x1b证明", "免除原因包含无效字符。"},
		{"住院\xff证明", "免除原因包含无效字符。"},
	} {
		err := CheckWaiveReason(tc.reason)
		if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(ErrorMessage(err), tc.want)) {
			t.Errorf("CheckWaiveReason(%q) = %v, want %q", tc.reason, err, tc.want)
		}
	}
}

// TestBookingRequestValidateText: the idempotency key's message names no
// header, and real names are checked text.
func TestBookingRequestValidateText(t *testing.T) {
	for _, tc := range []struct {
		name string
		req  BookingRequest
		want string
	}{
		{"OK", BookingRequest{Self: true, IdempotencyKey: "abc-123",
			RealNames: []RealName{{Name: "张三", IDNumber: "11010519491231002X"}}}, ""},
		{"KeyTooLong", BookingRequest{Self: true, IdempotencyKey: strings.Repeat("k", 101)}, "页面已过期，请刷新后重试。"},
		{"KeyControl", BookingRequest{Self: true, IdempotencyKey: "a\x00b"}, "页面已过期，请刷新后重试。"},
		{"NameNUL", BookingRequest{Self: true, RealNames: []RealName{{Name: "张\x00三", IDNumber: "11010519491231002X"}}},
			"参加人姓名包含无效字符。"},
		{"NameInvalidUTF8", BookingRequest{Self: true, RealNames: []RealName{{Name: "张\xff", IDNumber: "11010519491231002X"}}},
			"参加人姓名包含无效字符。"},
		{"IDNumberNUL", BookingRequest{Self: true, RealNames: []RealName{{Name: "张三", IDNumber: "110105\x0019491231002X"}}},
			"身份证号包含无效字符。"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.req.Validate()
			if tc.want == "" && err != nil || tc.want != "" && ErrorMessage(err) != tc.want {
				t.Fatalf("Validate() = %v, want %q", err, tc.want)
			}
			if err != nil && strings.Contains(ErrorMessage(err), "Idempotency") {
				t.Errorf("resident-facing message names the header: %q", ErrorMessage(err))
			}
		})
	}
}
