package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"

	"github.com/wenyun/wenyun/internal/culture"
	"github.com/wenyun/wenyun/internal/report"
)

// exportWorld is a district whose summer 2026 really happened in the
// store: the clock is moved to each moment as residents book and are
// checked in.
type exportWorld struct {
	db           string
	hub, xi, nan *culture.Unit
}

// seedExportWorld stores: at 焦西 a calligraphy class on 5 July (booked by
// 张一, 李二 and 王三 on 1 July; the first two checked in) and a dance class
// on 12 August (booked and attended by 张一); at 焦南 an open-air film on
// 20 August (walk-in, no booking). So 2026Q3 counts 3 activities, 2 booked
// online, 4 bookings, 3 check-ins and attendance, 2 participants.
func seedExportWorld(t *testing.T) exportWorld {
	t.Helper()
	ctx := context.Background()
	w := exportWorld{db: tempDB(t)}
	s := openStore(t, w.db)
	ts := func(day string, hm string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04", day+" "+hm, culture.Shanghai)
		must(t, err)
		return v
	}
	at := func(day string, hm string) {
		v := ts(day, hm)
		s.Now = func() time.Time { return v }
	}
	at("2026-06-20", "09:00")
	w.hub = &culture.Unit{Kind: culture.UnitHub, Name: "解放区文化馆"}
	must(t, s.CreateUnit(ctx, w.hub))
	w.xi = &culture.Unit{Kind: culture.UnitBranch, Name: "焦西分馆", ParentID: &w.hub.ID}
	must(t, s.CreateUnit(ctx, w.xi))
	w.nan = &culture.Unit{Kind: culture.UnitBranch, Name: "焦南分馆", ParentID: &w.hub.ID}
	must(t, s.CreateUnit(ctx, w.nan))
	checker := &culture.Account{Username: "checker", Name: "检票员"}
	must(t, s.CreateStaff(ctx, checker, "checker-pass-1"))
	must(t, s.CreateGrant(ctx, &culture.Grant{AccountID: checker.ID, Role: culture.RoleChecker, UnitID: w.hub.ID}))
	activity := func(unit *culture.Unit, title, mode string, start time.Time) *culture.Activity {
		a := &culture.Activity{UnitID: unit.ID, Title: title, Category: "书法美术", StartsAt: start, EndsAt: start.Add(90 * time.Minute),
			Capacity: 30, Mode: mode, OpensAt: ts("2026-06-21", "09:00"), ClosesAt: start, MaxPerBooking: 2}
		_, err := s.CreateActivity(ctx, a, 1)
		must(t, err)
		return a
	}
	july := activity(w.xi, "少儿书法体验课", culture.ModeFirstCome, ts("2026-07-05", "09:30"))
	august := activity(w.xi, "广场舞基础班", culture.ModeFirstCome, ts("2026-08-12", "09:30"))
	activity(w.nan, "公益电影放映", culture.ModeOpen, ts("2026-08-20", "19:30"))
	at("2026-07-01", "20:00")
	book := func(a *culture.Activity, phone, name string) string {
		r, err := s.FindOrCreateResident(ctx, phone)
		must(t, err)
		_, err = s.UpdateAccount(ctx, r.ID, culture.AccountUpdate{Name: &name})
		must(t, err)
		b, err := s.CreateBooking(ctx, &culture.BookingRequest{ActivityID: a.ID, AccountID: r.ID, Self: true})
		must(t, err)
		return b.Code
	}
	zhang := book(july, "13800000001", "张一")
	li := book(july, "13800000002", "李二")
	book(july, "13800000003", "王三")
	zhangAug := book(august, "13800000001", "张一")
	checkIn := func(code string) {
		_, err := s.CheckInCode(ctx, code, 0, checker.ID)
		must(t, err)
	}
	at("2026-07-05", "09:20")
	checkIn(zhang)
	checkIn(li)
	at("2026-08-12", "09:25")
	checkIn(zhangAug)
	return w
}

func TestExportReport(t *testing.T) {
	w := seedExportWorld(t)
	dir := t.TempDir()
	xlsx, csvFile := filepath.Join(dir, "q3.xlsx"), filepath.Join(dir, "q3.csv")
	var stderr bytes.Buffer
	o := Options{Stdout: &bytes.Buffer{}, Stderr: &stderr}
	args := []string{"export", "report", "--db", w.db, "--unit", "解放区文化馆", "--period", "2026Q3", "--rebuild"}
	must(t, o.Run(context.Background(), append(args, "--out", xlsx)))
	if out := o.Stdout.(*bytes.Buffer).String(); out != xlsx+": 解放区文化馆, 2026年第三季度（2026-07-01 至 2026-09-30）, 2 sections\n" {
		t.Errorf("stdout %q", out)
	}
	if !strings.Contains(stderr.String(), "服务报表  5/5") || !strings.Contains(stderr.String(), "done") {
		t.Errorf("no progress on stderr:\n%s", stderr.String())
	}
	// 焦西: 2 activities, both online, 4 bookings, 3 check-ins, 3 people
	// came, 2 of them different; 焦南: 1 walk-in activity.
	//             act bk share weekly att people bkg chk ns rate
	wantXi := []string{"2", "2", "1", "0.2", "3", "2", "4", "3", "0", "1"}
	// 焦南: 1 activity, none online (a share of 0); nobody checked in or
	// missed it, so no attendance rate (—, not 0).
	wantNan := []string{"1", "0", "0", "0.1", "0", "0", "0", "0", "0", "—"}
	wantTotal := []string{"3", "2", "0.6666666666666666", "0.2", "3", "2", "4", "3", "0", "1"}
	f, err := excelize.OpenFile(xlsx)
	must(t, err)
	defer f.Close()
	if got := strings.Join(f.GetSheetList(), ","); got != "汇总,焦西分馆,焦南分馆" {
		t.Errorf("sheets %s", got)
	}
	rows, err := f.GetRows("汇总", excelize.Options{RawCellValue: true})
	must(t, err)
	for i, want := range [][]string{append([]string{"焦西分馆"}, wantXi...), append([]string{"焦南分馆"}, wantNan...),
		append([]string{"合计"}, wantTotal...)} {
		if diff := cmp.Diff(want, rows[report.HeaderRow+i][:len(want)], cmp.Comparer(sameCell)); diff != "" {
			t.Errorf("汇总 row %d (-want +got):\n%s", report.HeaderRow+1+i, diff)
		}
	}

	stderr.Reset()
	o.Stdout = &bytes.Buffer{}
	must(t, o.Run(context.Background(), append(args[:len(args)-1], "--out", csvFile)))
	if strings.Contains(stderr.String(), "never built") || !strings.Contains(stderr.String(), "rollups of") {
		t.Errorf("stderr without --rebuild:\n%s", stderr.String())
	}
	body, err := os.ReadFile(csvFile)
	must(t, err)
	table, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(body, []byte("\ufeff")))).ReadAll()
	must(t, err)
	if got := strings.Join(table[3][:12], ","); got != "合计,2026年第三季度,3,2,66.7%,0.2,3,2,4,3,0,100.0%" {
		t.Errorf("CSV total %q", got)
	}
	if len(table) != 1+3+3*3 {
		t.Errorf("%d CSV rows, want header, 3 and 9 months", len(table))
	}
}

// sameCell compares cells as numbers when both are (Excel keeps 15
// digits), else as text.
func sameCell(a, b string) bool {
	x, errA := strconv.ParseFloat(a, 64)
	y, errB := strconv.ParseFloat(b, 64)
	if errA == nil && errB == nil {
		return math.Abs(x-y) < 1e-9
	}
	return a == b
}

// TestExportBookings exports 焦西's bookings masked (the default: ticket
// codes, names and numbers masked, no full code or name in the file, not
// audited), then in full (audited) as a workbook.
func TestExportBookings(t *testing.T) {
	w := seedExportWorld(t)
	out := filepath.Join(t.TempDir(), "bookings.csv")
	args := []string{"export", "bookings", "--db", w.db, "--unit", strconv.FormatInt(w.xi.ID, 10),
		"--from", "2026-07-01", "--to", "2026-08-31", "--out", out}
	var stdout, stderr bytes.Buffer
	o := Options{Stdout: &stdout, Stderr: &stderr}
	must(t, o.Run(context.Background(), args))
	if !strings.Contains(stdout.String(), "4 bookings of 焦西分馆, 2026-07-01 to 2026-08-31, masked") {
		t.Errorf("stdout %q", stdout.String())
	}
	if !strings.Contains(stderr.String(), "预约明细  2/2") {
		t.Errorf("no progress:\n%s", stderr.String())
	}
	if st, err := os.Stat(out); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("file mode %v (%v), want 0600: it holds personal data", st.Mode(), err)
	}
	codes := exportCodes(t, w.db)
	rows := readCSVFile(t, out)
	var got []string
	for _, r := range rows[1:] {
		got = append(got, r[3]+" "+r[4]+" "+r[6]+" "+r[8])
	}
	want := []string{
		report.MaskCode(codes[0]) + " 张* 138****0001 已签到", report.MaskCode(codes[1]) + " 李* 138****0002 已签到",
		report.MaskCode(codes[2]) + " 王* 138****0003 已预约", report.MaskCode(codes[3]) + " 张* 138****0001 已签到",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("masked export (-want +got):\n%s", diff)
	}
	body, err := os.ReadFile(out)
	must(t, err)
	for _, secret := range append([]string{"张一", "李二", "王三", "13800000001"}, codes...) {
		if bytes.Contains(body, []byte(secret)) {
			t.Errorf("the masked export shows %q", secret)
		}
	}
	if n := exportAudits(t, w.db); n != 0 {
		t.Errorf("%d audit rows after a masked export", n)
	}

	stdout.Reset()
	must(t, o.Run(context.Background(), append(args, "--full", "--format", "xlsx", "--out", out+".xlsx")))
	f, err := excelize.OpenFile(out + ".xlsx")
	must(t, err)
	defer f.Close()
	for cell, want := range map[string]string{"D7": culture.FormatCode(codes[0]), "E7": "张一", "G7": "13800000001", "E8": "李二"} {
		if v, _ := f.GetCellValue(report.BookingSheet, cell); v != want {
			t.Errorf("full export %s = %q, want %q", cell, v, want)
		}
	}
	if !strings.Contains(stdout.String(), "in full, 4 phone numbers (audited)") || exportAudits(t, w.db) != 1 {
		t.Errorf("stdout %q, %d audit rows; want one", stdout.String(), exportAudits(t, w.db))
	}
}

// exportCodes lists the ticket codes of the seeded bookings, in the order
// the export lists them (activity start, then booking).
func exportCodes(t *testing.T, db string) []string {
	t.Helper()
	rows, err := openStore(t, db).DB().Query(`SELECT b.code FROM bookings b JOIN activities a ON a.id = b.activity_id
		ORDER BY a.starts_at, a.id, b.created_at, b.id`)
	must(t, err)
	defer rows.Close()
	var out []string
	for rows.Next() {
		var c string
		must(t, rows.Scan(&c))
		out = append(out, c)
	}
	must(t, rows.Err())
	return out
}

func readCSVFile(t *testing.T, name string) [][]string {
	t.Helper()
	body, err := os.ReadFile(name)
	must(t, err)
	if !bytes.HasPrefix(body, []byte("\ufeff")) {
		t.Fatal("no BOM")
	}
	rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(body, []byte("\ufeff")))).ReadAll()
	must(t, err)
	return rows
}

// exportAudits counts the command line's export audit rows (no account).
func exportAudits(t *testing.T, db string) int {
	t.Helper()
	var n int
	var by sql.NullInt64
	err := openStore(t, db).DB().QueryRow(`SELECT COUNT(*), MAX(account_id) FROM audit_log WHERE action = 'export.bookings'`).Scan(&n, &by)
	must(t, err)
	if by.Valid {
		t.Errorf("a command-line export audited as account %d", by.Int64)
	}
	return n
}

func TestExportErrors(t *testing.T) {
	w := seedExportWorld(t)
	out := filepath.Join(t.TempDir(), "x.csv")
	for _, c := range []struct {
		name string
		args []string
		want string
		code int
	}{
		{"ErrNoKind", []string{"export"}, "say what to export", 2},
		{"ErrKind", []string{"export", "pdf"}, `unknown kind "pdf"`, 2},
		{"ErrNoUnit", []string{"export", "report", "--db", w.db, "--period", "2026Q3", "--out", out}, "--unit is required", 2},
		{"ErrNoOut", []string{"export", "report", "--db", w.db, "--unit", "1", "--period", "2026Q3"}, "--out is required", 2},
		{"ErrFormat", []string{"export", "report", "--db", w.db, "--unit", "1", "--period", "2026Q3", "--out", out, "--format", "pdf"}, `--format "pdf"`, 2},
		{"ErrXLSXStdout", []string{"export", "report", "--db", w.db, "--unit", "1", "--period", "2026Q3", "--out", "-", "--format", "xlsx"}, "standard output", 2},
		{"ErrNoPeriod", []string{"export", "report", "--db", w.db, "--unit", "1", "--out", out}, "请选择统计期间", 2},
		{"ErrPeriod", []string{"export", "report", "--db", w.db, "--unit", "1", "--period", "2026Q5", "--out", out}, "无法识别", 2},
		{"ErrReversed", []string{"export", "report", "--db", w.db, "--unit", "1", "--from", "2026-09-01", "--to", "2026-07-01", "--out", out}, "晚于结束日期", 2},
		{"ErrFuture", []string{"export", "report", "--db", w.db, "--unit", "1", "--period", "2099", "--out", out}, "尚未开始", 2},
		{"ErrUnknownUnit", []string{"export", "report", "--db", w.db, "--unit", "无此馆", "--period", "2026Q3", "--out", out}, "no unit has that name", 1},
		{"ErrBookingsTooLong", []string{"export", "bookings", "--db", w.db, "--unit", "1", "--from", "2025-01-01", "--to", "2026-08-31", "--out", out}, "最长一年", 2},
		{"ErrBookingsNoDates", []string{"export", "bookings", "--db", w.db, "--unit", "1", "--out", out}, "请填写开始日期和结束日期", 2},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := Options{}.Run(context.Background(), c.args)
			if err == nil || !strings.Contains(err.Error(), c.want) || exitCode(err) != c.code {
				t.Errorf("err = %v (exit %d), want %q (exit %d)", err, exitCode(err), c.want, c.code)
			}
			if _, statErr := os.Stat(out); statErr == nil {
				t.Error("a refused export wrote its file")
			}
		})
	}
}

func TestExportHelp(t *testing.T) {
	var stdout bytes.Buffer
	must(t, Options{Stdout: &stdout}.Run(context.Background(), []string{"export", "bookings", "-h"}))
	for _, want := range []string{"Usage: wenyun export bookings", "--full", "--from", "--out", "masked"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("help lacks %q:\n%s", want, stdout.String())
		}
	}
}
