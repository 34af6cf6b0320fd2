package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/wenyun/wenyun/internal/culture"
)

// Support records the resident's support (点单) of a published item for a
// branch or point of the item's hub tree — the account's home unit when
// unitID is 0 — in the current season. A second support of the item in the
// season is ECONFLICT; more than the season's quota is ETOOMANY.
func (s *Store) Support(ctx context.Context, accountID, itemID, unitID int64) (sup *culture.Support, err error) {
	defer wrapStoreCall(&err, "Support(account %d, item %d, unit %d)", accountID, itemID, unitID)
	err = s.update(ctx, func(tx *Tx) error {
		var e error
		sup, e = support(ctx, tx, accountID, itemID, unitID)
		return e
	})
	if s.dialect.isUnique(err) {
		return nil, errAlreadySupported
	}
	return sup, err
}

// WithdrawSupport removes this season's support of the item; ENOTFOUND
// when there is none.
func (s *Store) WithdrawSupport(ctx context.Context, accountID, itemID int64) (err error) {
	defer wrapStoreCall(&err, "WithdrawSupport(account %d, item %d)", accountID, itemID)
	return s.update(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `DELETE FROM menu_supports WHERE account_id = ? AND item_id = ? AND season = ?`,
			accountID, itemID, string(culture.SeasonOf(tx.now)))
		return accountMustAffect(res, err, "本季度您没有为该项目点过单。")
	})
}

// FindSupports lists the resident's supports in the season, newest first.
func (s *Store) FindSupports(ctx context.Context, accountID int64, season culture.Season) (out []*culture.Support, err error) {
	defer wrapStoreCall(&err, "FindSupports(%d, %s)", accountID, season)
	if _, _, err := season.Bounds(); err != nil {
		return nil, err
	}
	err = s.view(ctx, func(tx *Tx) error {
		rows, err := tx.query(ctx, `SELECT `+supportColumns+supportJoins+`
			WHERE ms.account_id = ? AND ms.season = ? ORDER BY ms.created_at DESC, ms.id DESC`,
			accountID, string(season))
		if err != nil {
			return err
		}
		out, err = scanAll(rows, scanSupport)
		return err
	})
	return out, err
}

// SupportQuota returns how many items a resident may support per season:
// the setting support_quota, or culture.DefaultSupportQuota.
func (s *Store) SupportQuota(ctx context.Context) (n int, err error) {
	defer wrapStoreCall(&err, "SupportQuota")
	err = s.view(ctx, func(tx *Tx) error {
		var e error
		n, e = supportQuota(ctx, tx)
		return e
	})
	return n, err
}

// SetSupportQuota sets the per-season support quota, 1 to 100. Supports
// already stored stay, even above a lowered quota.
func (s *Store) SetSupportQuota(ctx context.Context, n int) (err error) {
	defer wrapStoreCall(&err, "SetSupportQuota(%d)", n)
	if n < 1 || n > maxSupportQuota {
		return culture.Invalid("support_quota", fmt.Sprintf("每季度点单次数应在 1 到 %d 之间。", maxSupportQuota))
	}
	return s.update(ctx, func(tx *Tx) error {
		_, err := tx.exec(ctx, `INSERT INTO settings (name, value) VALUES ('support_quota', ?)
			ON CONFLICT (name) DO UPDATE SET value = excluded.value`, strconv.Itoa(n))
		return err
	})
}

const maxSupportQuota = 100

var errAlreadySupported = culture.Errorf(culture.ECONFLICT, "本季度您已为该项目点过单。")

func supportQuota(ctx context.Context, tx *Tx) (int, error) {
	var v string
	err := tx.queryRow(ctx, `SELECT value FROM settings WHERE name = 'support_quota'`).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return culture.DefaultSupportQuota, nil
	} else if err != nil {
		return 0, err
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 0, fmt.Errorf("setting support_quota = %q: not a positive number", v)
	}
	return n, nil
}

func support(ctx context.Context, tx *Tx, accountID, itemID, unitID int64) (*culture.Support, error) {
	home, err := lockAccountHome(ctx, tx, accountID)
	if err != nil {
		return nil, err
	}
	hubPath, err := publishedItemHubPath(ctx, tx, itemID)
	if err != nil {
		return nil, err
	}
	if unitID == 0 {
		if !home.Valid {
			return nil, culture.Invalid("unit_id", "请先设置常去的分馆。")
		}
		unitID = home.Int64
	}
	unit, err := menuUnit(ctx, tx, unitID, hubPath)
	if err != nil {
		return nil, err
	}
	sup := &culture.Support{ItemID: itemID, AccountID: accountID, UnitID: unitID,
		Season: culture.SeasonOf(tx.now), CreatedAt: tx.now, UnitName: unit.Name}
	if err := supportAllowed(ctx, tx, sup); err != nil {
		return nil, err
	}
	err = tx.queryRow(ctx, `INSERT INTO menu_supports (item_id, account_id, unit_id, season, created_at)
		VALUES (?, ?, ?, ?, ?) RETURNING id`, itemID, accountID, unitID, string(sup.Season), tx.nowUnix()).
		Scan(&sup.ID)
	if err != nil {
		return nil, err
	}
	return sup, tx.queryRow(ctx, `SELECT title FROM menu_items WHERE id = ?`, itemID).Scan(&sup.ItemTitle)
}

// lockAccountHome returns the account's home unit. On PostgreSQL it locks
// the account row, so that one account's supports queue and the quota
// count in supportAllowed cannot be passed by concurrent clicks; SQLite
// write transactions are serialised already.
func lockAccountHome(ctx context.Context, tx *Tx, accountID int64) (sql.NullInt64, error) {
	var home sql.NullInt64
	err := tx.queryRow(ctx, `SELECT home_unit_id FROM accounts WHERE id = ?`+tx.d.forUpdate(), accountID).Scan(&home)
	if errors.Is(err, sql.ErrNoRows) {
		return home, culture.Errorf(culture.ENOTFOUND, accountNotFoundMsg)
	}
	return home, err
}

// supportAllowed refuses a second support of the item in the season and a
// support over the season's quota.
func supportAllowed(ctx context.Context, tx *Tx, sup *culture.Support) error {
	var same, used int
	err := tx.queryRow(ctx, `SELECT COALESCE(SUM(CASE WHEN item_id = ? THEN 1 ELSE 0 END), 0), COUNT(*)
		FROM menu_supports WHERE account_id = ? AND season = ?`, sup.ItemID, sup.AccountID, string(sup.Season)).
		Scan(&same, &used)
	if err != nil {
		return err
	}
	quota, err := supportQuota(ctx, tx)
	switch {
	case err != nil:
		return err
	case same > 0:
		return errAlreadySupported
	case used >= quota:
		return culture.Refuse(culture.ETOOMANY, culture.ReasonSupportQuota,
			fmt.Sprintf("本季度的点单次数已用完（每季度 %d 次）。", quota))
	}
	return nil
}

// publishedItemHubPath returns the path of the hub whose providers the
// item belongs to; an item not published is refused (not_published). It
// locks the item row (PostgreSQL) so that a concurrent withdrawal waits
// until the support or request is stored; callers lock the account first.
func publishedItemHubPath(ctx context.Context, tx *Tx, itemID int64) (string, error) {
	if _, _, err := lockMenuItem(ctx, tx, itemID); err != nil {
		return "", err
	}
	var status, path string
	err := tx.queryRow(ctx, `SELECT i.status, u.path FROM menu_items i
		JOIN providers p ON p.id = i.provider_id JOIN units u ON u.id = p.hub_id WHERE i.id = ?`, itemID).
		Scan(&status, &path)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return "", culture.Errorf(culture.ENOTFOUND, menuItemNotFoundMsg)
	case err != nil:
		return "", err
	case status != culture.ItemPublished:
		return "", culture.Refuse(culture.EINVALID, culture.ReasonNotPublished, "该项目未上架，不能点单。")
	}
	return path, nil
}

// menuUnit returns the unit a support or request is for: a branch or point
// inside the hub tree at hubPath (EINVALID otherwise).
func menuUnit(ctx context.Context, tx *Tx, unitID int64, hubPath string) (*culture.Unit, error) {
	u, err := findUnit(ctx, tx, unitID)
	if err != nil && culture.ErrorCode(err) != culture.ENOTFOUND {
		return nil, err
	}
	if err != nil || (u.Kind != culture.UnitBranch && u.Kind != culture.UnitPoint) ||
		!strings.HasPrefix(u.Path, hubPath) {
		return nil, culture.Invalid("unit_id", "请选择本区的分馆或基层文化点。")
	}
	return u, nil
}

const supportColumns = `ms.id, ms.item_id, ms.account_id, ms.unit_id, ms.season, ms.created_at, i.title, u.name`

const supportJoins = ` FROM menu_supports ms JOIN menu_items i ON i.id = ms.item_id JOIN units u ON u.id = ms.unit_id`

func scanSupport(row rowScanner) (*culture.Support, error) {
	var sup culture.Support
	var season string
	var created int64
	err := row.Scan(&sup.ID, &sup.ItemID, &sup.AccountID, &sup.UnitID, &season, &created, &sup.ItemTitle, &sup.UnitName)
	if err != nil {
		return nil, err
	}
	sup.Season, sup.CreatedAt = culture.Season(season), fromUnix(created)
	return &sup, nil
}
