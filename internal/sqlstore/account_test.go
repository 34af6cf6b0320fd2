package sqlstore_test

import (
	"errors"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/wenyun/wenyun/internal/culture"
	"github.com/wenyun/wenyun/internal/sqlstore"
)

const accountTestPassword = "正确的马电池订书钉"

// accountFixtureStaff creates a staff account with accountTestPassword and
// one grant per role at unit.
func accountFixtureStaff(tb testing.TB, s *sqlstore.Store, username string, unit *culture.Unit, roles ...string) *culture.Account {
	tb.Helper()
	a := &culture.Account{Username: username, Name: "工作人员"}
	if err := s.CreateStaff(tb.Context(), a, accountTestPassword); err != nil {
		tb.Fatalf("CreateStaff(%s): %v", username, err)
	}
	for _, role := range roles {
		if err := s.CreateGrant(tb.Context(), &culture.Grant{AccountID: a.ID, Role: role, UnitID: unit.ID}); err != nil {
			tb.Fatalf("CreateGrant(%s): %v", role, err)
		}
	}
	return a
}

// accountFixtureResident creates a resident account.
func accountFixtureResident(tb testing.TB, s *sqlstore.Store, phone string) *culture.Account {
	tb.Helper()
	a, err := s.FindOrCreateResident(tb.Context(), phone)
	if err != nil {
		tb.Fatalf("FindOrCreateResident: %v", err)
	}
	return a
}

func TestFindOrCreateResident(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		clock := accountFakeClock(s)
		t.Run("OK", func(t *testing.T) {
			a := accountFixtureResident(t, s, "13800000001")
			want := &culture.Account{ID: a.ID, Phone: "13800000001", CreatedAt: *clock}
			if diff := cmp.Diff(want, a); diff != "" {
				t.Errorf("account (-want +got):\n%s", diff)
			}
			again := accountFixtureResident(t, s, "13800000001")
			if again.ID != a.ID {
				t.Errorf("second call: id %d, want %d", again.ID, a.ID)
			}
		})
		t.Run("ErrInvalid", func(t *testing.T) {
			_, err := s.FindOrCreateResident(t.Context(), "12345")
			accountWantErr(t, err, culture.EINVALID, "请输入正确的 11 位手机号码。")
		})
		t.Run("Concurrent", func(t *testing.T) {
			const n = 20
			ids := make([]int64, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Go(func() {
					a, err := s.FindOrCreateResident(t.Context(), "13900000002")
					if err != nil {
						t.Error(err)
						return
					}
					ids[i] = a.ID
				})
			}
			wg.Wait()
			for _, id := range ids {
				if id != ids[0] {
					t.Fatalf("ids = %v, want one account", ids)
				}
			}
			_, total, err := s.FindAccounts(t.Context(), culture.AccountFilter{Phone: new("13900000002")})
			if err != nil || total != 1 {
				t.Errorf("accounts with the phone: %d (%v), want 1", total, err)
			}
		})
	})
}

func TestCreateStaff(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		f := unitFixtureTree(t, s)
		t.Run("OK", func(t *testing.T) {
			a := &culture.Account{Username: " Zhang.San ", Name: "张三", Phone: "13700000003", HomeUnitID: &f.b1.ID}
			if err := s.CreateStaff(t.Context(), a, "12345678"); err != nil {
				t.Fatal(err)
			}
			if a.ID == 0 || a.Username != "zhang.san" {
				t.Errorf("id %d, username %q; want an id and the lower-cased name", a.ID, a.Username)
			}
			got, err := s.FindAccountByID(t.Context(), a.ID)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(a, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("stored (-want +got):\n%s", diff)
			}
		})
		t.Run("ErrUsernameTaken", func(t *testing.T) {
			accountFixtureStaff(t, s, "li4", f.hub)
			err := s.CreateStaff(t.Context(), &culture.Account{Username: "LI4"}, "12345678")
			accountWantErr(t, err, culture.ECONFLICT, "用户名已被使用。")
		})
		t.Run("ErrPhoneTaken", func(t *testing.T) {
			accountFixtureResident(t, s, "13600000004")
			err := s.CreateStaff(t.Context(), &culture.Account{Username: "wang5", Phone: "13600000004"}, "12345678")
			accountWantErr(t, err, culture.ECONFLICT, "该手机号已被其他账号使用。")
		})
		t.Run("ErrHomeUnitNotFound", func(t *testing.T) {
			missing := int64(9999)
			err := s.CreateStaff(t.Context(), &culture.Account{Username: "zhao6", HomeUnitID: &missing}, "12345678")
			accountWantErr(t, err, culture.EINVALID, "所属单位不存在。")
		})
		for _, tc := range []struct {
			name, username, phone, password, userName, field string
		}{
			{"ErrUsernameShort", "ab", "", "12345678", "", "username"},
			{"ErrUsernameLong", strings.Repeat("a", 33), "", "12345678", "", "username"},
			{"ErrUsernameChars", "张三", "", "12345678", "", "username"},
			{"ErrUsernameSpace", "zhang san", "", "12345678", "", "username"},
			{"ErrPhone", "qian7", "1234", "12345678", "", "phone"},
			{"ErrPasswordShort", "qian7", "", "1234567", "", "password"},
			{"ErrNameLong", "qian7", "", "12345678", strings.Repeat("名", 21), "name"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				a := &culture.Account{Username: tc.username, Phone: tc.phone, Name: tc.userName}
				err := s.CreateStaff(t.Context(), a, tc.password)
				accountWantErr(t, err, culture.EINVALID, "")
				if field := accountErrField(err); field != tc.field {
					t.Errorf("field = %q, want %q", field, tc.field)
				}
			})
		}
	})
}

func TestAuthenticate(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		f := unitFixtureTree(t, s)
		staff := accountFixtureStaff(t, s, "checker1", f.b1, culture.RoleChecker)
		t.Run("OK", func(t *testing.T) {
			a, err := s.Authenticate(t.Context(), "Checker1", accountTestPassword)
			if err != nil {
				t.Fatal(err)
			}
			if a.ID != staff.ID || len(a.Grants) != 1 || a.Grants[0].UnitPath != f.b1.Path {
				t.Errorf("account %+v, want %d with its checker grant at %s", a, staff.ID, f.b1.Path)
			}
		})
		t.Run("ErrWrongPassword", func(t *testing.T) {
			_, err := s.Authenticate(t.Context(), "checker1", accountTestPassword+"x")
			accountWantErr(t, err, culture.EUNAUTHORIZED, "用户名或密码错误。")
		})
		t.Run("ErrUnknownUser", func(t *testing.T) {
			_, err := s.Authenticate(t.Context(), "nobody", accountTestPassword)
			accountWantErr(t, err, culture.EUNAUTHORIZED, "用户名或密码错误。")
		})
		t.Run("ErrEmpty", func(t *testing.T) {
			_, err := s.Authenticate(t.Context(), "", "")
			accountWantErr(t, err, culture.EUNAUTHORIZED, "用户名或密码错误。")
		})
	})
}

// TestPasswordHash checks the stored form of passwords: argon2id in PHC
// format with the documented parameters, a fresh salt per hash, and a
// malformed stored hash failing as an internal error, not as a wrong
// password.
func TestPasswordHash(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		f := unitFixtureTree(t, s)
		a := accountFixtureStaff(t, s, "hash1", f.hub)
		b := accountFixtureStaff(t, s, "hash2", f.hub)
		phc := regexp.MustCompile(`^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`)
		t.Run("Format", func(t *testing.T) {
			if !phc.MatchString(a.PasswordHash) {
				t.Errorf("hash %q is not argon2id PHC with m=19456,t=2,p=1", a.PasswordHash)
			}
			if a.PasswordHash == b.PasswordHash || strings.Contains(a.PasswordHash, accountTestPassword) {
				t.Error("equal passwords must hash differently (salt), and never in clear")
			}
		})
		t.Run("ErrMalformed", func(t *testing.T) {
			if _, err := s.DB().Exec(`UPDATE accounts SET password_hash = '$argon2id$v=19$garbage' WHERE username = 'hash2'`); err != nil {
				t.Fatal(err)
			}
			_, err := s.Authenticate(t.Context(), "hash2", accountTestPassword)
			accountWantErr(t, err, culture.EINTERNAL, "")
		})
	})
}

func TestSetPassword(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		f := unitFixtureTree(t, s)
		a := accountFixtureStaff(t, s, "pw1", f.hub)
		t.Run("OK", func(t *testing.T) {
			if err := s.SetPassword(t.Context(), a.ID, "新的密码很长很长"); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Authenticate(t.Context(), "pw1", "新的密码很长很长"); err != nil {
				t.Errorf("new password: %v", err)
			}
			_, err := s.Authenticate(t.Context(), "pw1", accountTestPassword)
			accountWantErr(t, err, culture.EUNAUTHORIZED, "用户名或密码错误。")
		})
		t.Run("ErrShort", func(t *testing.T) {
			err := s.SetPassword(t.Context(), a.ID, "short")
			accountWantErr(t, err, culture.EINVALID, "密码长度应在 8 到 128 个字符之间。")
		})
		t.Run("ErrNotFound", func(t *testing.T) {
			err := s.SetPassword(t.Context(), 9999, "12345678")
			accountWantErr(t, err, culture.ENOTFOUND, "账号不存在。")
		})
	})
}

func TestUpdateAccount(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		f := unitFixtureTree(t, s)
		a := accountFixtureResident(t, s, "13500000005")
		t.Run("OK", func(t *testing.T) {
			got, err := s.UpdateAccount(t.Context(), a.ID, culture.AccountUpdate{Name: new("王小明"), HomeUnitID: &f.b2.ID})
			if err != nil {
				t.Fatal(err)
			}
			stored, err := s.FindAccountByID(t.Context(), a.ID)
			if err != nil {
				t.Fatal(err)
			}
			want := *a
			want.Name, want.HomeUnitID = "王小明", &f.b2.ID
			if diff := cmp.Diff(&want, stored); diff != "" {
				t.Errorf("stored (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(stored, got); diff != "" {
				t.Errorf("returned (-stored +returned):\n%s", diff)
			}
		})
		t.Run("ErrNameLong", func(t *testing.T) {
			_, err := s.UpdateAccount(t.Context(), a.ID, culture.AccountUpdate{Name: new(strings.Repeat("长", 21))})
			accountWantErr(t, err, culture.EINVALID, "姓名不能超过 20 个字。")
		})
		t.Run("ErrHomeUnitNotFound", func(t *testing.T) {
			_, err := s.UpdateAccount(t.Context(), a.ID, culture.AccountUpdate{HomeUnitID: new(int64(9999))})
			accountWantErr(t, err, culture.EINVALID, "所属单位不存在。")
		})
		t.Run("ErrNotFound", func(t *testing.T) {
			_, err := s.UpdateAccount(t.Context(), 9999, culture.AccountUpdate{Name: new("无")})
			accountWantErr(t, err, culture.ENOTFOUND, "账号不存在。")
		})
	})
}

func TestFindAccounts(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		f := unitFixtureTree(t, s)
		r1 := accountFixtureResident(t, s, "13400000006")
		s1 := accountFixtureStaff(t, s, "staff1", f.b1, culture.RoleBranchAdmin, culture.RoleChecker)
		s2 := accountFixtureStaff(t, s, "staff2", f.b2, culture.RoleChecker)
		find := func(t *testing.T, filter culture.AccountFilter) ([]int64, int, []*culture.Account) {
			t.Helper()
			accounts, n, err := s.FindAccounts(t.Context(), filter)
			if err != nil {
				t.Fatal(err)
			}
			ids := []int64{}
			for _, a := range accounts {
				ids = append(ids, a.ID)
			}
			return ids, n, accounts
		}
		t.Run("All", func(t *testing.T) {
			ids, n, _ := find(t, culture.AccountFilter{})
			if diff := cmp.Diff([]int64{r1.ID, s1.ID, s2.ID}, ids); diff != "" || n != 3 {
				t.Errorf("n = %d, ids (-want +got):\n%s", n, diff)
			}
		})
		t.Run("StaffOnly", func(t *testing.T) {
			ids, n, accounts := find(t, culture.AccountFilter{StaffOnly: true})
			if diff := cmp.Diff([]int64{s1.ID, s2.ID}, ids); diff != "" || n != 2 {
				t.Fatalf("n = %d, ids (-want +got):\n%s", n, diff)
			}
			if len(accounts[0].Grants) != 2 || len(accounts[1].Grants) != 1 {
				t.Errorf("grants: %d and %d, want 2 and 1", len(accounts[0].Grants), len(accounts[1].Grants))
			}
		})
		t.Run("Username", func(t *testing.T) {
			ids, _, _ := find(t, culture.AccountFilter{Username: new("Staff2")})
			if diff := cmp.Diff([]int64{s2.ID}, ids); diff != "" {
				t.Errorf("ids (-want +got):\n%s", diff)
			}
		})
		t.Run("Page", func(t *testing.T) {
			ids, n, _ := find(t, culture.AccountFilter{Limit: 1, Offset: 1})
			if diff := cmp.Diff([]int64{s1.ID}, ids); diff != "" || n != 3 {
				t.Errorf("n = %d, ids (-want +got):\n%s", n, diff)
			}
		})
	})
}

func TestFindAccountByID(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		f := unitFixtureTree(t, s)
		a := accountFixtureStaff(t, s, "admin1", f.b1, culture.RoleBranchAdmin)
		t.Run("OK", func(t *testing.T) {
			got, err := s.FindAccountByID(t.Context(), a.ID)
			if err != nil {
				t.Fatal(err)
			}
			want := []*culture.Grant{{ID: got.Grants[0].ID, AccountID: a.ID, Role: culture.RoleBranchAdmin,
				UnitID: f.b1.ID, UnitName: f.b1.Name, UnitPath: f.b1.Path}}
			if diff := cmp.Diff(want, got.Grants); diff != "" {
				t.Errorf("grants (-want +got):\n%s", diff)
			}
			if !got.Can(culture.ActManageActivities, f.p1) || got.Can(culture.ActManageActivities, f.b2) {
				t.Error("a branch admin manages its branch's subtree only")
			}
		})
		t.Run("ErrNotFound", func(t *testing.T) {
			a, err := s.FindAccountByID(t.Context(), 9999)
			accountWantErr(t, err, culture.ENOTFOUND, "账号不存在。")
			if a != nil {
				t.Errorf("account = %+v, want nil", a)
			}
		})
	})
}

func TestCreateGrant(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		f := unitFixtureTree(t, s)
		a := accountFixtureStaff(t, s, "grantee", f.hub)
		t.Run("OK", func(t *testing.T) {
			g := &culture.Grant{AccountID: a.ID, Role: culture.RoleHubAdmin, UnitID: f.hub.ID}
			if err := s.CreateGrant(t.Context(), g); err != nil {
				t.Fatal(err)
			}
			if g.ID == 0 || g.UnitName != f.hub.Name || g.UnitPath != f.hub.Path {
				t.Errorf("grant = %+v, want an id and the unit's name and path", g)
			}
		})
		t.Run("ErrConflict", func(t *testing.T) {
			err := s.CreateGrant(t.Context(), &culture.Grant{AccountID: a.ID, Role: culture.RoleHubAdmin, UnitID: f.hub.ID})
			accountWantErr(t, err, culture.ECONFLICT, "该账号在此单位已有这一角色。")
		})
		t.Run("ErrInvalidRole", func(t *testing.T) {
			err := s.CreateGrant(t.Context(), &culture.Grant{AccountID: a.ID, Role: "king", UnitID: f.hub.ID})
			accountWantErr(t, err, culture.EINVALID, "角色无效。")
		})
		t.Run("ErrUnitNotFound", func(t *testing.T) {
			err := s.CreateGrant(t.Context(), &culture.Grant{AccountID: a.ID, Role: culture.RoleChecker, UnitID: 9999})
			accountWantErr(t, err, culture.EINVALID, "单位不存在。")
		})
		t.Run("ErrAccountNotFound", func(t *testing.T) {
			err := s.CreateGrant(t.Context(), &culture.Grant{AccountID: 9999, Role: culture.RoleChecker, UnitID: f.hub.ID})
			accountWantErr(t, err, culture.ENOTFOUND, "账号不存在。")
		})
	})
}

func TestCreateStaffWithGrants(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		fx := mfxFixtures(t, s)
		staffGrant := func(p *culture.Provider) *culture.Grant {
			return &culture.Grant{Role: culture.RoleProviderStaff, UnitID: fx.hub.ID, ProviderID: &p.ID}
		}
		for _, tc := range []struct {
			name   string
			grants []*culture.Grant
			code   string
			msg    string
		}{
			{"ErrProviderOfOtherHub", []*culture.Grant{staffGrant(fx.otherProvider)},
				culture.EINVALID, "文化主体不存在或不属于该单位。"},
			{"ErrSecondGrantTaken", []*culture.Grant{staffGrant(fx.provider), staffGrant(fx.provider)},
				culture.ECONFLICT, "该账号在此单位已有这一角色。"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				accounts, grants := mfxCount(t, s, "accounts"), mfxCount(t, s, "grants")
				a := &culture.Account{Username: "cswg-staff", Name: "联系人"}
				err := s.CreateStaffWithGrants(t.Context(), a, accountTestPassword, tc.grants)
				accountWantErr(t, err, tc.code, tc.msg)
				if a.ID != 0 || mfxCount(t, s, "accounts") != accounts || mfxCount(t, s, "grants") != grants {
					t.Errorf("id %d; accounts %d, grants %d; want no account and %d, %d",
						a.ID, mfxCount(t, s, "accounts"), mfxCount(t, s, "grants"), accounts, grants)
				}
			})
		}
		t.Run("OK", func(t *testing.T) { // the username the failures tried is free
			a := &culture.Account{Username: "CSWG-staff", Name: "联系人"}
			if err := s.CreateStaffWithGrants(t.Context(), a, accountTestPassword,
				[]*culture.Grant{staffGrant(fx.provider)}); err != nil {
				t.Fatal(err)
			}
			got, err := s.FindAccountByID(t.Context(), a.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Username != "cswg-staff" || !got.IsProviderStaff(fx.provider.ID) || len(got.Grants) != 1 {
				t.Errorf("stored %+v with grants %v, want cswg-staff with one grant of provider %d",
					got, got.Grants, fx.provider.ID)
			}
		})
	})
}

func TestDeleteGrant(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		f := unitFixtureTree(t, s)
		a := accountFixtureStaff(t, s, "revoked", f.b1, culture.RoleChecker)
		t.Run("OK", func(t *testing.T) {
			got, err := s.FindAccountByID(t.Context(), a.ID)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.DeleteGrant(t.Context(), got.Grants[0].ID); err != nil {
				t.Fatal(err)
			}
			if got, _ := s.FindAccountByID(t.Context(), a.ID); got.IsStaff() {
				t.Errorf("grants after delete: %v", got.Grants)
			}
		})
		t.Run("ErrNotFound", func(t *testing.T) {
			err := s.DeleteGrant(t.Context(), 9999)
			accountWantErr(t, err, culture.ENOTFOUND, "授权不存在。")
		})
	})
}

func TestFamily(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		a := accountFixtureResident(t, s, "13300000007")
		other := accountFixtureResident(t, s, "13300000008")
		add := func(t *testing.T, accountID int64, name string) (*culture.FamilyMember, error) {
			t.Helper()
			m := &culture.FamilyMember{AccountID: accountID, Name: name, Relation: "子女", BirthYear: 2018}
			return m, s.CreateFamilyMember(t.Context(), m)
		}
		var first *culture.FamilyMember
		t.Run("OK", func(t *testing.T) {
			m, err := add(t, a.ID, "小明")
			if err != nil {
				t.Fatal(err)
			}
			first = m
			got, err := s.FindFamily(t.Context(), a.ID)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]*culture.FamilyMember{m}, got); diff != "" {
				t.Errorf("family (-want +got):\n%s", diff)
			}
		})
		t.Run("ErrInvalid", func(t *testing.T) {
			err := s.CreateFamilyMember(t.Context(), &culture.FamilyMember{AccountID: a.ID, Name: "小红", Relation: "邻居"})
			accountWantErr(t, err, culture.EINVALID, "请选择与您的关系。")
		})
		t.Run("ErrAccountNotFound", func(t *testing.T) {
			_, err := add(t, 9999, "无主")
			accountWantErr(t, err, culture.ENOTFOUND, "账号不存在。")
		})
		t.Run("ErrTooMany", func(t *testing.T) {
			for i := 2; i <= 10; i++ {
				if _, err := add(t, a.ID, "成员"); err != nil {
					t.Fatalf("member %d: %v", i, err)
				}
			}
			_, err := add(t, a.ID, "第十一位")
			accountWantErr(t, err, culture.EINVALID, "最多添加 10 位家庭成员。")
		})
		t.Run("ConcurrentLimit", func(t *testing.T) {
			b := accountFixtureResident(t, s, "13300000009")
			got := accountConcurrently(t, 15, func() error {
				_, err := add(t, b.ID, "成员")
				return err
			})
			if got[""] != 10 || got["最多添加 10 位家庭成员。"] != 5 {
				t.Errorf("15 racing additions: %v, want 10 added", got)
			}
		})
		t.Run("ErrDeleteOthers", func(t *testing.T) {
			err := s.DeleteFamilyMember(t.Context(), other.ID, first.ID)
			accountWantErr(t, err, culture.ENOTFOUND, "家庭成员不存在。")
		})
		t.Run("Delete", func(t *testing.T) {
			if err := s.DeleteFamilyMember(t.Context(), a.ID, first.ID); err != nil {
				t.Fatal(err)
			}
			family, err := s.FindFamily(t.Context(), a.ID)
			if err != nil || len(family) != 9 || family[0].ID == first.ID {
				t.Fatalf("family after delete: %d members (%v), want 9 without the first", len(family), err)
			}
			if _, err := add(t, a.ID, "补上"); err != nil {
				t.Errorf("a deleted member frees a place: %v", err)
			}
			err = s.DeleteFamilyMember(t.Context(), a.ID, first.ID)
			accountWantErr(t, err, culture.ENOTFOUND, "家庭成员不存在。")
		})
	})
}

func TestLoginCode(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		clock := accountFakeClock(s)
		t.Run("OK", func(t *testing.T) {
			const phone = "13200000009"
			code := accountMustLoginCode(t, s, phone)
			if !regexp.MustCompile(`^[0-9]{6}$`).MatchString(code) {
				t.Fatalf("code = %q, want 6 digits", code)
			}
			var hash string
			if err := s.DB().QueryRow(`SELECT code_hash FROM login_codes WHERE phone = '` + phone + `'`).Scan(&hash); err != nil {
				t.Fatal(err)
			}
			if len(hash) != 64 || strings.Contains(hash, code) {
				t.Errorf("stored %q, want a sha256 hex digest", hash)
			}
			a, err := s.ConsumeLoginCode(t.Context(), phone, code)
			if err != nil {
				t.Fatal(err)
			}
			if a.Phone != phone || a.ID == 0 {
				t.Errorf("account = %+v, want the resident with the phone", a)
			}
			_, err = s.ConsumeLoginCode(t.Context(), phone, code)
			accountWantErr(t, err, culture.EUNAUTHORIZED, "验证码已过期，请重新获取。")
		})
		t.Run("ErrTooSoon", func(t *testing.T) {
			const phone = "13200000010"
			old := accountMustLoginCode(t, s, phone)
			*clock = clock.Add(59 * time.Second)
			_, err := s.CreateLoginCode(t.Context(), phone)
			accountWantErr(t, err, culture.ETOOMANY, "验证码发送过于频繁，请 60 秒后再试。")
			*clock = clock.Add(time.Second)
			code := accountMustLoginCode(t, s, phone)
			if code != old {
				_, err = s.ConsumeLoginCode(t.Context(), phone, old)
				accountWantErr(t, err, culture.EUNAUTHORIZED, "验证码不正确。")
			}
			if _, err := s.ConsumeLoginCode(t.Context(), phone, code); err != nil {
				t.Errorf("the new code: %v", err)
			}
		})
		t.Run("ErrWrongThenLocked", func(t *testing.T) {
			const phone = "13200000011"
			code := accountMustLoginCode(t, s, phone)
			wrong := accountWrongCode(code)
			for i := 1; i <= 5; i++ {
				_, err := s.ConsumeLoginCode(t.Context(), phone, wrong)
				accountWantErr(t, err, culture.EUNAUTHORIZED, "验证码不正确。")
				if got := accountLoginAttempts(t, s, phone); got != i {
					t.Fatalf("after %d wrong codes: attempts = %d (a wrong try must commit)", i, got)
				}
			}
			_, err := s.ConsumeLoginCode(t.Context(), phone, code)
			accountWantErr(t, err, culture.EUNAUTHORIZED, "错误次数过多，请重新获取验证码。")
		})
		t.Run("Concurrent", func(t *testing.T) {
			const phone = "13200000015"
			created := accountConcurrently(t, 10, func() error {
				_, err := s.CreateLoginCode(t.Context(), phone)
				return err
			})
			if created[""] != 1 || created["验证码发送过于频繁，请 60 秒后再试。"] != 9 {
				t.Errorf("10 racing requests: %v, want one code sent", created)
			}
			guesses := accountConcurrently(t, 12, func() error {
				_, err := s.ConsumeLoginCode(t.Context(), phone, "000000")
				return err
			})
			if guesses["验证码不正确。"]+guesses[""] != 5 || guesses["错误次数过多，请重新获取验证码。"] != 7 {
				t.Errorf("12 racing guesses: %v, want exactly 5 tried", guesses)
			}
		})
		t.Run("ErrExpired", func(t *testing.T) {
			const phone = "13200000012"
			code := accountMustLoginCode(t, s, phone)
			*clock = clock.Add(5 * time.Minute)
			_, err := s.ConsumeLoginCode(t.Context(), phone, code)
			accountWantErr(t, err, culture.EUNAUTHORIZED, "验证码已过期，请重新获取。")
		})
		t.Run("ErrNoCode", func(t *testing.T) {
			_, err := s.ConsumeLoginCode(t.Context(), "13200000013", "123456")
			accountWantErr(t, err, culture.EUNAUTHORIZED, "验证码已过期，请重新获取。")
		})
		t.Run("ErrFormat", func(t *testing.T) {
			for _, code := range []string{"", "12345", "1234567", "12a456", "１２３４５６"} {
				_, err := s.ConsumeLoginCode(t.Context(), "13200000013", code)
				accountWantErr(t, err, culture.EINVALID, "请输入 6 位数字验证码。")
			}
		})
		t.Run("ErrPhone", func(t *testing.T) {
			_, err := s.CreateLoginCode(t.Context(), "023-1234567")
			accountWantErr(t, err, culture.EINVALID, "请输入正确的 11 位手机号码。")
			_, err = s.ConsumeLoginCode(t.Context(), "023-1234567", "123456")
			accountWantErr(t, err, culture.EINVALID, "请输入正确的 11 位手机号码。")
		})
		t.Run("Staff", func(t *testing.T) {
			f := unitFixtureTree(t, s)
			staff := &culture.Account{Username: "phonestaff", Phone: "13200000014"}
			if err := s.CreateStaff(t.Context(), staff, "12345678"); err != nil {
				t.Fatal(err)
			}
			g := &culture.Grant{AccountID: staff.ID, Role: culture.RoleChecker, UnitID: f.b1.ID}
			if err := s.CreateGrant(t.Context(), g); err != nil {
				t.Fatal(err)
			}
			a, err := s.ConsumeLoginCode(t.Context(), staff.Phone, accountMustLoginCode(t, s, staff.Phone))
			if err != nil {
				t.Fatal(err)
			}
			if a.ID != staff.ID || !a.IsStaff() {
				t.Errorf("account %+v, want staff %d with grants", a, staff.ID)
			}
		})
	})
}

// accountConcurrently runs fn n times at once and counts the outcomes by
// error message ("" for success).
func accountConcurrently(tb testing.TB, n int, fn func() error) map[string]int {
	tb.Helper()
	var mu sync.Mutex
	var wg sync.WaitGroup
	got := map[string]int{}
	for range n {
		wg.Go(func() {
			err := fn()
			mu.Lock()
			defer mu.Unlock()
			got[culture.ErrorMessage(err)]++
		})
	}
	wg.Wait()
	return got
}

func accountMustLoginCode(tb testing.TB, s *sqlstore.Store, phone string) string {
	tb.Helper()
	code, err := s.CreateLoginCode(tb.Context(), phone)
	if err != nil {
		tb.Fatalf("CreateLoginCode: %v", err)
	}
	return code
}

// accountWrongCode returns a 6-digit code other than code.
func accountWrongCode(code string) string {
	if code == "000000" {
		return "000001"
	}
	return "000000"
}

func accountLoginAttempts(tb testing.TB, s *sqlstore.Store, phone string) int {
	tb.Helper()
	var n int
	if err := s.DB().QueryRow(`SELECT attempts FROM login_codes WHERE phone = '` + phone + `'`).Scan(&n); err != nil {
		tb.Fatal(err)
	}
	return n
}

func TestToken(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		clock := accountFakeClock(s)
		f := unitFixtureTree(t, s)
		a := accountFixtureStaff(t, s, "kiosk", f.b1, culture.RoleChecker)
		var token string
		t.Run("OK", func(t *testing.T) {
			var err error
			if token, err = s.CreateToken(t.Context(), a.ID, "检票机 1"); err != nil {
				t.Fatal(err)
			}
			if !regexp.MustCompile(`^wy_[A-Za-z0-9_-]{43}$`).MatchString(token) {
				t.Errorf("token = %q, want wy_ and 43 base64url characters", token)
			}
			got, err := s.FindAccountByToken(t.Context(), token)
			if err != nil {
				t.Fatal(err)
			}
			if got.ID != a.ID || !got.IsStaff() {
				t.Errorf("account = %+v, want %d with grants", got, a.ID)
			}
			var stored string
			if err := s.DB().QueryRow(`SELECT token_hash FROM api_tokens`).Scan(&stored); err != nil {
				t.Fatal(err)
			}
			if len(stored) != 64 || strings.Contains(token, stored) {
				t.Errorf("stored %q, want only a sha256 hex digest", stored)
			}
		})
		t.Run("ErrExpired", func(t *testing.T) {
			*clock = clock.Add(90*24*time.Hour - time.Second)
			if _, err := s.FindAccountByToken(t.Context(), token); err != nil {
				t.Fatalf("a second before expiry: %v", err)
			}
			*clock = clock.Add(time.Second)
			_, err := s.FindAccountByToken(t.Context(), token)
			accountWantErr(t, err, culture.EUNAUTHORIZED, "登录已失效，请重新登录。")
		})
		t.Run("ErrUnknown", func(t *testing.T) {
			for _, tok := range []string{"", "wy_", "wy_" + strings.Repeat("A", 43), strings.TrimPrefix(token, "wy_")} {
				_, err := s.FindAccountByToken(t.Context(), tok)
				accountWantErr(t, err, culture.EUNAUTHORIZED, "登录已失效，请重新登录。")
			}
		})
		t.Run("ErrAccountNotFound", func(t *testing.T) {
			_, err := s.CreateToken(t.Context(), 9999, "x")
			accountWantErr(t, err, culture.ENOTFOUND, "账号不存在。")
		})
		t.Run("ErrNameLong", func(t *testing.T) {
			_, err := s.CreateToken(t.Context(), a.ID, strings.Repeat("名", 61))
			accountWantErr(t, err, culture.EINVALID, "令牌名称不能超过 60 个字。")
		})
	})
}

// accountErrField returns the Field of a domain error.
func accountErrField(err error) string {
	var e *culture.Error
	if !errors.As(err, &e) {
		return ""
	}
	return e.Field
}

// accountFakeClock makes s tell the time from the returned clock, which
// tests move by assigning to it. It starts at a fixed second in UTC.
func accountFakeClock(s *sqlstore.Store) *time.Time {
	now := time.Date(2025, 6, 1, 1, 0, 0, 0, time.UTC)
	s.Now = func() time.Time { return now }
	return &now
}

// accountWantErr fails unless err is a *culture.Error (possibly wrapped)
// with the code and, when msg is set, the message.
func accountWantErr(tb testing.TB, err error, code, msg string) {
	tb.Helper()
	if got := culture.ErrorCode(err); got != code {
		tb.Fatalf("error code = %q (%v), want %q", got, err, code)
	}
	if got := culture.ErrorMessage(err); msg != "" && got != msg {
		tb.Errorf("error message = %q, want %q", got, msg)
	}
}
