package sqlstore

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/wenyun/wenyun/internal/culture"
)

var _ culture.AccountService = (*Store)(nil)

// FindAccountByID returns the account with its grants, or ENOTFOUND.
func (s *Store) FindAccountByID(ctx context.Context, id int64) (a *culture.Account, err error) {
	defer wrapStoreCall(&err, "FindAccountByID(%d)", id)
	err = s.view(ctx, func(tx *Tx) error {
		var e error
		a, e = findAccount(ctx, tx, "a.id = ?", id)
		return e
	})
	return a, err
}

// FindAccounts returns the accounts matching f, by id, with their grants,
// and their total count. Offset applies only with a Limit.
func (s *Store) FindAccounts(ctx context.Context, f culture.AccountFilter) (accounts []*culture.Account, n int, err error) {
	err = s.view(ctx, func(tx *Tx) error {
		var e error
		if accounts, n, e = findAccounts(ctx, tx, f); e != nil {
			return e
		}
		return accountGrants(ctx, tx, accounts)
	})
	return accounts, n, err
}

// FindOrCreateResident returns the account holding the mobile number,
// creating a resident account if there is none. Concurrent calls for one
// number return the same account.
func (s *Store) FindOrCreateResident(ctx context.Context, phone string) (a *culture.Account, err error) {
	defer wrapStoreCall(&err, "FindOrCreateResident(%s)", culture.MaskPhone(phone))
	if err := culture.CheckPhone(phone); err != nil {
		return nil, err
	}
	err = s.update(ctx, func(tx *Tx) error {
		var e error
		a, e = residentByPhone(ctx, tx, phone)
		return e
	})
	return a, err
}

// CreateStaff validates and stores a staff account with a password, setting
// a's ID, CreatedAt and PasswordHash. The username is stored lower-cased.
// A username or phone already in use is ECONFLICT.
func (s *Store) CreateStaff(ctx context.Context, a *culture.Account, password string) (err error) {
	defer wrapStoreCall(&err, "CreateStaff(%q)", a.Username)
	a.Username = strings.ToLower(strings.TrimSpace(a.Username))
	if err := validateStaff(a, password); err != nil {
		return err
	}
	hash, err := hashPassword(password) // outside the transaction: it takes tens of ms
	if err != nil {
		return err
	}
	return s.update(ctx, func(tx *Tx) error { return createStaff(ctx, tx, a, hash) })
}

// CreateStaffWithGrants stores a staff account and its grants in one
// transaction, as CreateStaff and CreateGrant would: if any grant is
// refused, no account is created (its username stays free) and a.ID stays
// 0. On success each grant's AccountID is a.ID and a.Grants holds them.
func (s *Store) CreateStaffWithGrants(ctx context.Context, a *culture.Account, password string, grants []*culture.Grant) (err error) {
	defer wrapStoreCall(&err, "CreateStaffWithGrants(%q, %d grants)", a.Username, len(grants))
	a.Username = strings.ToLower(strings.TrimSpace(a.Username))
	if err := validateStaff(a, password); err != nil {
		return err
	}
	for _, g := range grants {
		if err := g.Validate(); err != nil {
			return err
		}
	}
	hash, err := hashPassword(password)
	if err != nil {
		return err
	}
	err = s.update(ctx, func(tx *Tx) error { return createStaffWithGrants(ctx, tx, a, hash, grants) })
	if err != nil {
		a.ID, a.PasswordHash = 0, "" // rolled back
		return err
	}
	a.Grants = grants
	return nil
}

// Authenticate returns the staff account with the username and password,
// with its grants. An unknown username and a wrong password are the same
// EUNAUTHORIZED refusal and take the same time.
func (s *Store) Authenticate(ctx context.Context, username, password string) (a *culture.Account, err error) {
	username = strings.ToLower(strings.TrimSpace(username))
	err = s.view(ctx, func(tx *Tx) error {
		var e error
		a, e = findAccount(ctx, tx, "a.username = ?", username)
		return e
	})
	if err != nil && culture.ErrorCode(err) != culture.ENOTFOUND {
		return nil, fmt.Errorf("sqlstore.Authenticate(%q): %w", username, err)
	}
	hash := dummyPasswordHash()
	if a != nil && a.PasswordHash != "" {
		hash = a.PasswordHash
	}
	ok, err := verifyPassword(hash, password)
	if err != nil {
		return nil, fmt.Errorf("sqlstore.Authenticate(%q): %w", username, err)
	} else if !ok || a == nil || a.PasswordHash == "" {
		return nil, errBadCredentials
	}
	return a, nil
}

// SetPassword validates and stores a new password for the account.
func (s *Store) SetPassword(ctx context.Context, accountID int64, password string) (err error) {
	defer wrapStoreCall(&err, "SetPassword(%d)", accountID)
	if err := validatePassword(password); err != nil {
		return err
	}
	hash, err := hashPassword(password)
	if err != nil {
		return err
	}
	return s.update(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `UPDATE accounts SET password_hash = ? WHERE id = ?`, hash, accountID)
		return accountMustAffect(res, err, accountNotFoundMsg)
	})
}

// UpdateAccount applies upd and returns the account with its grants. The
// name is at most 20 characters; the home unit must exist.
func (s *Store) UpdateAccount(ctx context.Context, id int64, upd culture.AccountUpdate) (a *culture.Account, err error) {
	defer wrapStoreCall(&err, "UpdateAccount(%d)", id)
	if upd.Name != nil {
		if err := validateAccountName(*upd.Name); err != nil {
			return nil, err
		}
	}
	err = s.update(ctx, func(tx *Tx) error {
		var e error
		a, e = updateAccount(ctx, tx, id, upd)
		return e
	})
	return a, err
}

var (
	errBadCredentials = culture.Errorf(culture.EUNAUTHORIZED, "用户名或密码错误。")
	accountUsernameRE = regexp.MustCompile(`^[a-z0-9_.-]{3,32}$`)
)

const (
	accountNameMaxLen  = 20
	accountNotFoundMsg = "账号不存在。"
)

const accountColumns = `a.id, a.phone, a.username, a.name, a.password_hash, a.home_unit_id, a.created_at`

// scanAccount scans accountColumns, then any extra columns into extra.
func scanAccount(row rowScanner, extra ...any) (*culture.Account, error) {
	var a culture.Account
	var phone, username sql.NullString
	var home sql.NullInt64
	var created int64
	dest := append([]any{&a.ID, &phone, &username, &a.Name, &a.PasswordHash, &home, &created}, extra...)
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	a.Phone, a.Username, a.CreatedAt = phone.String, username.String, fromUnix(created)
	if home.Valid {
		a.HomeUnitID = &home.Int64
	}
	return &a, nil
}

// findAccount returns the one account matching where, with its grants, or
// ENOTFOUND.
func findAccount(ctx context.Context, tx *Tx, where string, args ...any) (*culture.Account, error) {
	a, err := scanAccount(tx.queryRow(ctx, `SELECT `+accountColumns+` FROM accounts a WHERE `+where, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, culture.Errorf(culture.ENOTFOUND, accountNotFoundMsg)
	} else if err != nil {
		return nil, err
	}
	return a, accountGrants(ctx, tx, []*culture.Account{a})
}

func findAccounts(ctx context.Context, tx *Tx, f culture.AccountFilter) ([]*culture.Account, int, error) {
	where, args := "1 = 1", []any{}
	if f.Phone != nil {
		where, args = where+" AND a.phone = ?", append(args, *f.Phone)
	}
	if f.Username != nil {
		where, args = where+" AND a.username = ?", append(args, strings.ToLower(*f.Username))
	}
	if f.StaffOnly {
		where += " AND EXISTS (SELECT 1 FROM grants g WHERE g.account_id = a.id)"
	}
	q := `SELECT ` + accountColumns + `, COUNT(*) OVER() FROM accounts a WHERE ` + where + ` ORDER BY a.id`
	if f.Limit > 0 {
		q, args = q+" LIMIT ? OFFSET ?", append(args, f.Limit, max(f.Offset, 0))
	}
	rows, err := tx.query(ctx, q, args...)
	if err != nil {
		return nil, 0, err
	}
	n := 0
	accounts, err := scanAll(rows, func(r rowScanner) (*culture.Account, error) { return scanAccount(r, &n) })
	return accounts, n, err
}

// accountGrants loads the grants of the accounts, with their units' names
// and paths, in chunks that stay far below both engines' parameter limits.
func accountGrants(ctx context.Context, tx *Tx, accounts []*culture.Account) error {
	const chunk = 500
	byID := make(map[int64]*culture.Account, len(accounts))
	for _, a := range accounts {
		byID[a.ID] = a
	}
	for i := 0; i < len(accounts); i += chunk {
		if err := accountGrantChunk(ctx, tx, byID, accounts[i:min(i+chunk, len(accounts))]); err != nil {
			return err
		}
	}
	return nil
}

func accountGrantChunk(ctx context.Context, tx *Tx, byID map[int64]*culture.Account, accounts []*culture.Account) error {
	args := make([]any, len(accounts))
	for i, a := range accounts {
		args[i] = a.ID
	}
	in := strings.TrimSuffix(strings.Repeat("?, ", len(accounts)), ", ")
	rows, err := tx.query(ctx, `SELECT g.id, g.account_id, g.role, g.unit_id, u.name, u.path, g.provider_id
		FROM grants g JOIN units u ON u.id = g.unit_id WHERE g.account_id IN (`+in+`) ORDER BY g.id`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var g culture.Grant
		if err := rows.Scan(&g.ID, &g.AccountID, &g.Role, &g.UnitID, &g.UnitName, &g.UnitPath, &g.ProviderID); err != nil {
			return err
		}
		a := byID[g.AccountID]
		a.Grants = append(a.Grants, &g)
	}
	return rows.Err()
}

// residentByPhone returns the account with the phone, inserting it first if
// needed. ON CONFLICT DO NOTHING waits for a concurrent insert of the same
// phone to commit, so the SELECT that follows always finds one row.
func residentByPhone(ctx context.Context, tx *Tx, phone string) (*culture.Account, error) {
	_, err := tx.exec(ctx, `INSERT INTO accounts (phone, created_at) VALUES (?, ?)
		ON CONFLICT (phone) DO NOTHING`, phone, tx.nowUnix())
	if err != nil {
		return nil, err
	}
	return findAccount(ctx, tx, "a.phone = ?", phone)
}

func validateStaff(a *culture.Account, password string) error {
	if !accountUsernameRE.MatchString(a.Username) {
		return culture.Invalid("username", "用户名应为 3 到 32 位小写字母、数字或 _ . - 符号。")
	}
	if a.Phone != "" {
		if err := culture.CheckPhone(a.Phone); err != nil {
			return err
		}
	}
	if err := validateAccountName(a.Name); err != nil {
		return err
	}
	return validatePassword(password)
}

func validateAccountName(name string) error {
	if !utf8.ValidString(name) || utf8.RuneCountInString(name) > accountNameMaxLen {
		return culture.Invalid("name", fmt.Sprintf("姓名不能超过 %d 个字。", accountNameMaxLen))
	}
	return nil
}

// createStaff inserts the account. ON CONFLICT DO NOTHING (any unique
// column) keeps the transaction usable on PostgreSQL, so the conflict can be
// named afterwards.
func createStaff(ctx context.Context, tx *Tx, a *culture.Account, hash string) error {
	if err := accountHomeUnit(ctx, tx, a.HomeUnitID); err != nil {
		return err
	}
	phone := sql.NullString{String: a.Phone, Valid: a.Phone != ""}
	err := tx.queryRow(ctx, `INSERT INTO accounts (phone, username, name, password_hash, home_unit_id, created_at)
		VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id`,
		phone, a.Username, a.Name, hash, a.HomeUnitID, tx.nowUnix()).Scan(&a.ID)
	if errors.Is(err, sql.ErrNoRows) {
		return staffConflict(ctx, tx, a.Username)
	} else if err != nil {
		return err
	}
	a.PasswordHash, a.CreatedAt = hash, tx.now
	return nil
}

func createStaffWithGrants(ctx context.Context, tx *Tx, a *culture.Account, hash string, grants []*culture.Grant) error {
	if err := createStaff(ctx, tx, a, hash); err != nil {
		return err
	}
	for _, g := range grants {
		g.AccountID = a.ID
		if err := createGrant(ctx, tx, g); err != nil {
			return err
		}
	}
	return nil
}

func staffConflict(ctx context.Context, tx *Tx, username string) error {
	var n int
	err := tx.queryRow(ctx, `SELECT COUNT(*) FROM accounts WHERE username = ?`, username).Scan(&n)
	if err != nil {
		return err
	} else if n > 0 {
		return &culture.Error{Code: culture.ECONFLICT, Field: "username", Message: "用户名已被使用。"}
	}
	return &culture.Error{Code: culture.ECONFLICT, Field: "phone", Message: "该手机号已被其他账号使用。"}
}

// accountHomeUnit checks that a home unit, if set, exists.
func accountHomeUnit(ctx context.Context, tx *Tx, unitID *int64) error {
	if unitID == nil {
		return nil
	}
	_, err := findUnit(ctx, tx, *unitID)
	if culture.ErrorCode(err) == culture.ENOTFOUND {
		return culture.Invalid("home_unit_id", "所属单位不存在。")
	}
	return err
}

func updateAccount(ctx context.Context, tx *Tx, id int64, upd culture.AccountUpdate) (*culture.Account, error) {
	a, err := findAccount(ctx, tx, "a.id = ?", id)
	if err != nil {
		return nil, err
	}
	if upd.Name != nil {
		a.Name = *upd.Name
	}
	if upd.HomeUnitID != nil {
		if err := accountHomeUnit(ctx, tx, upd.HomeUnitID); err != nil {
			return nil, err
		}
		home := *upd.HomeUnitID
		a.HomeUnitID = &home
	}
	_, err = tx.exec(ctx, `UPDATE accounts SET name = ?, home_unit_id = ? WHERE id = ?`, a.Name, a.HomeUnitID, id)
	return a, err
}

// accountMustExist returns ENOTFOUND unless the account exists.
func accountMustExist(ctx context.Context, tx *Tx, id int64) error {
	var one int
	err := tx.queryRow(ctx, `SELECT 1 FROM accounts WHERE id = ?`, id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return culture.Errorf(culture.ENOTFOUND, accountNotFoundMsg)
	}
	return err
}

// accountMustAffect turns a statement that touched no row into ENOTFOUND
// with the message.
func accountMustAffect(res sql.Result, err error, notFound string) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	} else if n == 0 {
		return culture.Errorf(culture.ENOTFOUND, "%s", notFound)
	}
	return nil
}

// CreateGrant validates and stores g, setting its ID, UnitName and
// UnitPath. A missing account is ENOTFOUND, a missing unit EINVALID and a
// grant held already ECONFLICT.
func (s *Store) CreateGrant(ctx context.Context, g *culture.Grant) (err error) {
	defer wrapStoreCall(&err, "CreateGrant(account %d, %s, unit %d)", g.AccountID, g.Role, g.UnitID)
	if err := g.Validate(); err != nil {
		return err
	}
	return s.update(ctx, func(tx *Tx) error { return createGrant(ctx, tx, g) })
}

// DeleteGrant removes a grant, or returns ENOTFOUND.
func (s *Store) DeleteGrant(ctx context.Context, id int64) (err error) {
	defer wrapStoreCall(&err, "DeleteGrant(%d)", id)
	return s.update(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `DELETE FROM grants WHERE id = ?`, id)
		return accountMustAffect(res, err, "授权不存在。")
	})
}

func createGrant(ctx context.Context, tx *Tx, g *culture.Grant) error {
	if err := accountMustExist(ctx, tx, g.AccountID); err != nil {
		return err
	}
	u, err := findUnit(ctx, tx, g.UnitID)
	if culture.ErrorCode(err) == culture.ENOTFOUND {
		return culture.Invalid("unit_id", "单位不存在。")
	} else if err != nil {
		return err
	}
	if err := grantProviderMatches(ctx, tx, g); err != nil {
		return err
	}
	err = tx.queryRow(ctx, `INSERT INTO grants (account_id, role, unit_id, provider_id, created_at)
		VALUES (?, ?, ?, ?, ?) RETURNING id`, g.AccountID, g.Role, g.UnitID, g.ProviderID, tx.nowUnix()).Scan(&g.ID)
	if tx.d.isUnique(err) {
		return culture.Errorf(culture.ECONFLICT, "该账号在此单位已有这一角色。")
	} else if err != nil {
		return err
	}
	g.UnitName, g.UnitPath = u.Name, u.Path
	return nil
}

// grantProviderMatches checks that a provider_staff grant names a provider
// serving the grant's unit (the provider's hub).
func grantProviderMatches(ctx context.Context, tx *Tx, g *culture.Grant) error {
	if g.ProviderID == nil {
		return nil
	}
	var hub int64
	err := tx.queryRow(ctx, `SELECT hub_id FROM providers WHERE id = ?`, *g.ProviderID).Scan(&hub)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && hub != g.UnitID) {
		return culture.Invalid("provider_id", "文化主体不存在或不属于该单位。")
	}
	return err
}

// familyMax bounds the family members of one account.
const familyMax = 10

// FindFamily returns the account's family members that are not deleted.
func (s *Store) FindFamily(ctx context.Context, accountID int64) (family []*culture.FamilyMember, err error) {
	defer wrapStoreCall(&err, "FindFamily(%d)", accountID)
	err = s.view(ctx, func(tx *Tx) error {
		var e error
		family, e = findFamily(ctx, tx, accountID)
		return e
	})
	return family, err
}

// CreateFamilyMember validates and stores m, setting its ID. An account has
// at most 10 family members.
func (s *Store) CreateFamilyMember(ctx context.Context, m *culture.FamilyMember) (err error) {
	defer wrapStoreCall(&err, "CreateFamilyMember(account %d)", m.AccountID)
	if err := m.Validate(); err != nil {
		return err
	}
	return s.update(ctx, func(tx *Tx) error { return createFamilyMember(ctx, tx, m) })
}

// DeleteFamilyMember deletes one of the account's own family members (a
// soft delete: past bookings still name them), or returns ENOTFOUND.
func (s *Store) DeleteFamilyMember(ctx context.Context, accountID, id int64) (err error) {
	defer wrapStoreCall(&err, "DeleteFamilyMember(%d, %d)", accountID, id)
	return s.update(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `UPDATE family_members SET deleted = 1
			WHERE id = ? AND account_id = ? AND deleted = 0`, id, accountID)
		return accountMustAffect(res, err, "家庭成员不存在。")
	})
}

func findFamily(ctx context.Context, tx *Tx, accountID int64) ([]*culture.FamilyMember, error) {
	rows, err := tx.query(ctx, `SELECT id, account_id, name, relation, birth_year
		FROM family_members WHERE account_id = ? AND deleted = 0 ORDER BY id`, accountID)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, func(r rowScanner) (*culture.FamilyMember, error) {
		var m culture.FamilyMember
		return &m, r.Scan(&m.ID, &m.AccountID, &m.Name, &m.Relation, &m.BirthYear)
	})
}

// createFamilyMember first locks the account row with a no-op update, so
// that on PostgreSQL two concurrent additions cannot both pass the count.
// (SQLite writers are serialised already.)
func createFamilyMember(ctx context.Context, tx *Tx, m *culture.FamilyMember) error {
	res, err := tx.exec(ctx, `UPDATE accounts SET name = name WHERE id = ?`, m.AccountID)
	if err := accountMustAffect(res, err, accountNotFoundMsg); err != nil {
		return err
	}
	var n int
	err = tx.queryRow(ctx, `SELECT COUNT(*) FROM family_members WHERE account_id = ? AND deleted = 0`,
		m.AccountID).Scan(&n)
	if err != nil {
		return err
	} else if n >= familyMax {
		return culture.Errorf(culture.EINVALID, "最多添加 %d 位家庭成员。", familyMax)
	}
	return tx.queryRow(ctx, `INSERT INTO family_members (account_id, name, relation, birth_year)
		VALUES (?, ?, ?, ?) RETURNING id`, m.AccountID, m.Name, m.Relation, m.BirthYear).Scan(&m.ID)
}

// Sign-in code rules.
const (
	loginCodeTTL         = 5 * time.Minute
	loginCodeInterval    = 60 * time.Second
	loginCodeMaxAttempts = 5
)

var (
	loginCodeRE          = regexp.MustCompile(`^[0-9]{6}$`)
	errLoginCodeTooSoon  = &culture.Error{Code: culture.ETOOMANY, Message: "验证码发送过于频繁，请 60 秒后再试。"}
	errLoginCodeExpired  = culture.Errorf(culture.EUNAUTHORIZED, "验证码已过期，请重新获取。")
	errLoginCodeLocked   = culture.Errorf(culture.EUNAUTHORIZED, "错误次数过多，请重新获取验证码。")
	errLoginCodeWrong    = &culture.Error{Code: culture.EUNAUTHORIZED, Field: "code", Message: "验证码不正确。"}
	errLoginCodeBadInput = culture.Invalid("code", "请输入 6 位数字验证码。")
)

// CreateLoginCode stores a fresh 6-digit code for the phone, valid for five
// minutes, and returns it. Only its hash is stored. A code issued less than
// 60 seconds ago refuses the call with ETOOMANY.
func (s *Store) CreateLoginCode(ctx context.Context, phone string) (code string, err error) {
	defer wrapStoreCall(&err, "CreateLoginCode(%s)", culture.MaskPhone(phone))
	if err := culture.CheckPhone(phone); err != nil {
		return "", err
	}
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		return "", err
	}
	code = fmt.Sprintf("%06d", n.Int64())
	if err := s.update(ctx, func(tx *Tx) error { return createLoginCode(ctx, tx, phone, code) }); err != nil {
		return "", err
	}
	return code, nil
}

// createLoginCode upserts the code in one statement: the conflict branch
// only fires for a row older than the interval, so two racing requests
// cannot both send a code.
func createLoginCode(ctx context.Context, tx *Tx, phone, code string) error {
	now := tx.nowUnix()
	var stored string
	err := tx.queryRow(ctx, `INSERT INTO login_codes (phone, code_hash, attempts, created_at, expires_at)
		VALUES (?, ?, 0, ?, ?)
		ON CONFLICT (phone) DO UPDATE SET code_hash = excluded.code_hash, attempts = 0,
			created_at = excluded.created_at, expires_at = excluded.expires_at
		WHERE login_codes.created_at <= ?
		RETURNING phone`, phone, authHash(phone+":"+code), now, unix(tx.now.Add(loginCodeTTL)),
		unix(tx.now.Add(-loginCodeInterval))).Scan(&stored)
	if errors.Is(err, sql.ErrNoRows) {
		return errLoginCodeTooSoon
	}
	return err
}

// ConsumeLoginCode checks the phone's code. A match deletes the code and
// returns the phone's account (created if new, with grants if it is staff).
// Each try spends one of five attempts, and that count is committed even when
// the code is wrong.
func (s *Store) ConsumeLoginCode(ctx context.Context, phone, code string) (a *culture.Account, err error) {
	defer wrapStoreCall(&err, "ConsumeLoginCode(%s)", culture.MaskPhone(phone))
	if err := culture.CheckPhone(phone); err != nil {
		return nil, err
	} else if !loginCodeRE.MatchString(code) {
		return nil, errLoginCodeBadInput
	}
	var refusal *culture.Error
	err = s.update(ctx, func(tx *Tx) error {
		var e error
		a, refusal, e = consumeLoginCode(ctx, tx, phone, code)
		return e
	})
	if err != nil {
		return nil, err
	} else if refusal != nil { // returned after the commit, not as a rollback
		return nil, refusal
	}
	return a, nil
}

// consumeLoginCode spends an attempt with one conditional UPDATE, so that
// concurrent guesses cannot exceed the limit, then compares the hashes. It
// reports a refusal separately from failures so that the attempt commits.
func consumeLoginCode(ctx context.Context, tx *Tx, phone, code string) (*culture.Account, *culture.Error, error) {
	var hash string
	err := tx.queryRow(ctx, `UPDATE login_codes SET attempts = attempts + 1
		WHERE phone = ? AND expires_at > ? AND attempts < ? RETURNING code_hash`,
		phone, tx.nowUnix(), loginCodeMaxAttempts).Scan(&hash)
	if errors.Is(err, sql.ErrNoRows) {
		refusal, err := loginCodeRefusal(ctx, tx, phone)
		return nil, refusal, err
	} else if err != nil {
		return nil, nil, err
	}
	if subtle.ConstantTimeCompare([]byte(hash), []byte(authHash(phone+":"+code))) != 1 {
		return nil, errLoginCodeWrong, nil
	}
	if _, err := tx.exec(ctx, `DELETE FROM login_codes WHERE phone = ?`, phone); err != nil {
		return nil, nil, err
	}
	a, err := residentByPhone(ctx, tx, phone)
	return a, nil, err
}

// loginCodeRefusal says why no attempt could be spent: no live code, or
// too many wrong tries.
func loginCodeRefusal(ctx context.Context, tx *Tx, phone string) (*culture.Error, error) {
	var expires int64
	err := tx.queryRow(ctx, `SELECT expires_at FROM login_codes WHERE phone = ?`, phone).Scan(&expires)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && expires <= tx.nowUnix()) {
		return errLoginCodeExpired, nil
	} else if err != nil {
		return nil, err
	}
	return errLoginCodeLocked, nil
}

// API tokens: "wy_" marks them so that secret scanners can spot a leaked
// one; 32 random bytes make guessing hopeless, so a plain SHA-256 of the
// token is enough to store.
const (
	apiTokenPrefix = "wy_"
	apiTokenTTL    = 90 * 24 * time.Hour
)

var errTokenInvalid = culture.Errorf(culture.EUNAUTHORIZED, "登录已失效，请重新登录。")

// CreateToken issues a bearer token for the account, valid for 90 days, and
// returns it. Only its hash is stored.
func (s *Store) CreateToken(ctx context.Context, accountID int64, name string) (token string, err error) {
	defer wrapStoreCall(&err, "CreateToken(%d, %q)", accountID, name)
	if !utf8.ValidString(name) || utf8.RuneCountInString(name) > 60 {
		return "", culture.Invalid("name", "令牌名称不能超过 60 个字。")
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	token = apiTokenPrefix + base64.RawURLEncoding.EncodeToString(b)
	err = s.update(ctx, func(tx *Tx) error {
		if err := accountMustExist(ctx, tx, accountID); err != nil {
			return err
		}
		_, err := tx.exec(ctx, `INSERT INTO api_tokens (token_hash, account_id, name, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?)`, authHash(token), accountID, name, tx.nowUnix(), unix(tx.now.Add(apiTokenTTL)))
		return err
	})
	if err != nil {
		return "", err
	}
	return token, nil
}

// FindAccountByToken returns the account, with its grants, that holds the
// unexpired bearer token, or EUNAUTHORIZED.
func (s *Store) FindAccountByToken(ctx context.Context, token string) (a *culture.Account, err error) {
	if !strings.HasPrefix(token, apiTokenPrefix) {
		return nil, errTokenInvalid
	}
	err = s.view(ctx, func(tx *Tx) error {
		var e error
		a, e = findAccount(ctx, tx, `a.id = (SELECT t.account_id FROM api_tokens t
			WHERE t.token_hash = ? AND t.expires_at > ?)`, authHash(token), tx.nowUnix())
		return e
	})
	if culture.ErrorCode(err) == culture.ENOTFOUND {
		return nil, errTokenInvalid
	} else if err != nil {
		return nil, fmt.Errorf("sqlstore.FindAccountByToken: %w", err)
	}
	return a, nil
}

// authHash returns the hex SHA-256 of a secret (a sign-in code with its
// phone, or an API token), the form in which secrets are stored.
func authHash(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}
