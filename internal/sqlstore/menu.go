package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/wenyun/wenyun/internal/culture"
)

// revisionSuperseded marks a pending revision replaced by a newer
// submission before anyone reviewed it. It is kept rather than deleted so
// that the item's submission history stays whole; nothing shows it.
const revisionSuperseded = "superseded"

// SubmitMenuItem files f for review as the provider's new item (itemID 0)
// or as an edit of its item. An edit replaces any pending one (marked
// superseded). An approved item keeps its live columns until the edit is
// approved; an item never approved takes the fields at once and goes back
// to pending. by must be the provider's staff or a menu reviewer at its hub.
func (s *Store) SubmitMenuItem(ctx context.Context, providerID, itemID int64, f culture.MenuItemFields, by int64) (m *culture.MenuItem, err error) {
	defer wrapStoreCall(&err, "SubmitMenuItem(provider %d, item %d)", providerID, itemID)
	if err := f.Validate(); err != nil {
		return nil, err
	}
	err = s.update(ctx, func(tx *Tx) error {
		id, e := submitMenuItem(ctx, tx, providerID, itemID, f, by)
		if e != nil {
			return e
		}
		m, e = findMenuItem(ctx, tx, id)
		return e
	})
	return m, err
}

// ReviewMenuItem approves the pending revision (its fields go live and the
// item is published) or returns it with a reason of 1 to 200 characters.
// A returned item that was never approved takes status returned; an
// approved one keeps its live version. Both record the reason as the item's
// ReturnReason, which approval clears. by must review the menu at the
// provider's hub (EFORBIDDEN); a revision no longer pending is ECONFLICT.
func (s *Store) ReviewMenuItem(ctx context.Context, revisionID int64, approve bool, reason string, by int64) (err error) {
	defer wrapStoreCall(&err, "ReviewMenuItem(%d, %t)", revisionID, approve)
	reason = strings.TrimSpace(reason)
	if approve {
		reason = ""
	} else if err := checkReason(reason, "请填写退回原因，200 字以内。"); err != nil {
		return err
	}
	return s.update(ctx, func(tx *Tx) error { return reviewMenuItem(ctx, tx, revisionID, reason, by) })
}

// WithdrawMenuItem takes a published item off the menu; any other status
// is ECONFLICT.
func (s *Store) WithdrawMenuItem(ctx context.Context, itemID int64) (err error) {
	defer wrapStoreCall(&err, "WithdrawMenuItem(%d)", itemID)
	return s.update(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `UPDATE menu_items SET status = 'withdrawn', updated_at = ?
			WHERE id = ? AND status = 'published'`, tx.nowUnix(), itemID)
		if err := accountMustAffect(res, err, menuItemNotFoundMsg); culture.ErrorCode(err) != culture.ENOTFOUND {
			return err
		}
		if _, _, err := lockMenuItem(ctx, tx, itemID); err != nil {
			return err
		}
		return culture.Errorf(culture.ECONFLICT, "只有已上架的项目可以下架。")
	})
}

const menuItemNotFoundMsg = "菜单项目不存在。"

// submitMenuItem stores a submission and returns the item's id.
func submitMenuItem(ctx context.Context, tx *Tx, providerID, itemID int64, f culture.MenuItemFields, by int64) (int64, error) {
	if err := checkProviderActor(ctx, tx, providerID, by); err != nil {
		return 0, err
	}
	if err := menuFieldRefsExist(ctx, tx, f); err != nil {
		return 0, err
	}
	var err error
	if itemID == 0 {
		itemID, err = insertMenuItem(ctx, tx, providerID, f)
	} else {
		err = editMenuItem(ctx, tx, providerID, itemID, f)
	}
	if err != nil {
		return 0, err
	}
	return itemID, insertRevision(ctx, tx, itemID, f, by)
}

// checkProviderActor checks that the provider exists and that account by
// may act for it (its staff, or a menu reviewer at its hub).
func checkProviderActor(ctx context.Context, tx *Tx, providerID, by int64) error {
	p := &culture.Provider{ID: providerID}
	err := tx.queryRow(ctx, `SELECT hub_id FROM providers WHERE id = ?`, providerID).Scan(&p.HubID)
	if errors.Is(err, sql.ErrNoRows) {
		return culture.Errorf(culture.ENOTFOUND, providerNotFoundMsg)
	} else if err != nil {
		return err
	}
	a, hub, err := actorAndHub(ctx, tx, by, p.HubID)
	if err != nil {
		return err
	}
	return a.CheckProvider(p, hub)
}

// actorAndHub loads the acting account with its grants and the hub.
func actorAndHub(ctx context.Context, tx *Tx, by, hubID int64) (*culture.Account, *culture.Unit, error) {
	a, err := findAccount(ctx, tx, "a.id = ?", by)
	if culture.ErrorCode(err) == culture.ENOTFOUND {
		return nil, nil, culture.ErrForbidden
	} else if err != nil {
		return nil, nil, err
	}
	hub, err := findUnit(ctx, tx, hubID)
	return a, hub, err
}

// menuFieldRefsExist checks the series and photos that f names.
func menuFieldRefsExist(ctx context.Context, tx *Tx, f culture.MenuItemFields) error {
	if f.SeriesID != nil {
		var one int
		err := tx.queryRow(ctx, `SELECT 1 FROM series WHERE id = ?`, *f.SeriesID).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return culture.Invalid("series_id", "所选的品牌系列不存在。")
		} else if err != nil {
			return err
		}
	}
	return imagesExist(ctx, tx, "photos", f.PhotoIDs)
}

// menuFieldSet assigns the columns of menuFieldArgs.
const menuFieldSet = `title = ?, category = ?, format = ?, sessions = ?, audience_groups = ?,
	age_min = ?, age_max = ?, minutes = ?, capacity_min = ?, capacity_max = ?, needs = ?, cost = ?,
	available = ?, description = ?, photo_ids = ?, series_id = ?`

// menuFieldArgs are the column values of f: groups and photo ids are
// stored comma-separated.
func menuFieldArgs(f culture.MenuItemFields) []any {
	return []any{f.Title, f.Category, f.Format, f.Sessions, strings.Join(f.Groups, ","),
		f.AgeMin, f.AgeMax, f.Minutes, f.CapacityMin, f.CapacityMax, f.Needs, f.Cost,
		f.Available, f.Description, joinIDs(f.PhotoIDs), f.SeriesID}
}

func insertMenuItem(ctx context.Context, tx *Tx, providerID int64, f culture.MenuItemFields) (int64, error) {
	var id int64
	args := append([]any{providerID}, menuFieldArgs(f)...)
	args = append(args, tx.nowUnix(), tx.nowUnix())
	err := tx.queryRow(ctx, `INSERT INTO menu_items (provider_id, status, title, category, format,
		sessions, audience_groups, age_min, age_max, minutes, capacity_min, capacity_max, needs, cost,
		available, description, photo_ids, series_id, created_at, updated_at)
		VALUES (?, 'pending', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		args...).Scan(&id)
	return id, err
}

// editMenuItem prepares an edit of the provider's item: it supersedes the
// pending revision, and an item never approved takes the fields at once.
func editMenuItem(ctx context.Context, tx *Tx, providerID, itemID int64, f culture.MenuItemFields) error {
	owner, status, err := lockMenuItem(ctx, tx, itemID)
	if err != nil {
		return err
	} else if owner != providerID {
		return culture.ErrForbidden
	}
	if _, err := tx.exec(ctx, `UPDATE menu_revisions SET state = '`+revisionSuperseded+`'
		WHERE item_id = ? AND state = 'pending'`, itemID); err != nil {
		return err
	}
	if neverApproved(status) {
		args := append(menuFieldArgs(f), tx.nowUnix(), itemID)
		_, err = tx.exec(ctx, `UPDATE menu_items SET `+menuFieldSet+`, status = 'pending', updated_at = ?
			WHERE id = ?`, args...)
	}
	return err
}

// lockMenuItem returns the item's provider and status, locking its row on
// PostgreSQL so that concurrent submissions and reviews of one item queue.
func lockMenuItem(ctx context.Context, tx *Tx, id int64) (providerID int64, status string, err error) {
	err = tx.queryRow(ctx, `SELECT provider_id, status FROM menu_items WHERE id = ?`+tx.d.forUpdate(), id).
		Scan(&providerID, &status)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, "", culture.Errorf(culture.ENOTFOUND, menuItemNotFoundMsg)
	}
	return providerID, status, err
}

// neverApproved reports whether an item's columns hold its latest
// submission rather than an approved version.
func neverApproved(status string) bool {
	return status == culture.ItemPending || status == culture.ItemReturned
}

func insertRevision(ctx context.Context, tx *Tx, itemID int64, f culture.MenuItemFields, by int64) error {
	fields, err := json.Marshal(f)
	if err != nil {
		return err
	}
	_, err = tx.exec(ctx, `INSERT INTO menu_revisions (item_id, state, fields, submitted_by, submitted_at)
		VALUES (?, 'pending', ?, ?, ?)`, itemID, string(fields), by, tx.nowUnix())
	return err
}

func reviewMenuItem(ctx context.Context, tx *Tx, revisionID int64, reason string, by int64) error {
	rev, err := findRevision(ctx, tx, revisionID)
	if err != nil {
		return err
	}
	a, hub, err := actorAndHub(ctx, tx, by, rev.HubID)
	if err != nil {
		return err
	} else if err := a.Check(culture.ActReviewMenu, hub); err != nil {
		return err
	}
	_, status, err := lockMenuItem(ctx, tx, rev.ItemID)
	if err != nil {
		return err
	}
	if err := closeRevision(ctx, tx, revisionID, reason, by); err != nil {
		return err
	}
	if reason == "" {
		args := append(menuFieldArgs(rev.Fields), tx.nowUnix(), rev.ItemID)
		_, err = tx.exec(ctx, `UPDATE menu_items SET `+menuFieldSet+`, status = 'published',
			return_reason = '', updated_at = ? WHERE id = ?`, args...)
		return err
	}
	if neverApproved(status) {
		status = culture.ItemReturned
	}
	_, err = tx.exec(ctx, `UPDATE menu_items SET status = ?, return_reason = ?, updated_at = ? WHERE id = ?`,
		status, reason, tx.nowUnix(), rev.ItemID)
	return err
}

// closeRevision marks a pending revision approved (reason "") or returned;
// one no longer pending is ECONFLICT.
func closeRevision(ctx context.Context, tx *Tx, id int64, reason string, by int64) error {
	state := culture.RevisionApproved
	if reason != "" {
		state = culture.RevisionReturned
	}
	res, err := tx.exec(ctx, `UPDATE menu_revisions SET state = ?, reason = ?, reviewed_by = ?, reviewed_at = ?
		WHERE id = ? AND state = 'pending'`, state, reason, by, tx.nowUnix(), id)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return culture.Errorf(culture.ECONFLICT, "该提交已审核或已被新的提交替换，请刷新后再看。")
	}
	return nil
}

// checkReason checks a reason given for a refusal: 1 to 200 characters
// of clean text; msg says so otherwise.
func checkReason(reason, msg string) error {
	if n := utf8.RuneCountInString(reason); n < 1 || n > 200 || !culture.CleanText(reason) {
		return culture.Invalid("reason", msg)
	}
	return nil
}

// revisionColumns selects a revision r of item i by provider p. ItemTitle
// is the live title, empty while the item was never approved.
const revisionColumns = `r.id, r.item_id, r.state, r.fields, r.reason, r.submitted_by, r.submitted_at,
	r.reviewed_by, r.reviewed_at,
	CASE WHEN i.status IN ('published', 'withdrawn') THEN i.title ELSE '' END,
	i.provider_id, p.name, p.hub_id`

const revisionJoins = ` FROM menu_revisions r JOIN menu_items i ON i.id = r.item_id
	JOIN providers p ON p.id = i.provider_id`

func scanRevision(row rowScanner) (*culture.MenuRevision, error) {
	var r culture.MenuRevision
	var fields string
	var submitted int64
	var reviewedBy, reviewedAt sql.NullInt64
	err := row.Scan(&r.ID, &r.ItemID, &r.State, &fields, &r.Reason, &r.SubmittedBy, &submitted,
		&reviewedBy, &reviewedAt, &r.ItemTitle, &r.ProviderID, &r.ProviderName, &r.HubID)
	if err != nil {
		return nil, err
	}
	r.SubmittedAt, r.ReviewedBy, r.ReviewedAt = fromUnix(submitted), scanOptID(reviewedBy), nullUnix(reviewedAt)
	return &r, json.Unmarshal([]byte(fields), &r.Fields)
}

func findRevision(ctx context.Context, tx *Tx, id int64) (*culture.MenuRevision, error) {
	r, err := scanRevision(tx.queryRow(ctx, `SELECT `+revisionColumns+revisionJoins+` WHERE r.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, culture.Errorf(culture.ENOTFOUND, "该提交不存在。")
	}
	return r, err
}

// pendingRevision returns the item's pending revision, or nil.
func pendingRevision(ctx context.Context, tx *Tx, itemID int64) (*culture.MenuRevision, error) {
	r, err := scanRevision(tx.queryRow(ctx, `SELECT `+revisionColumns+revisionJoins+`
		WHERE r.item_id = ? AND r.state = 'pending'`, itemID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return r, err
}

// FindRevisionByID returns a revision in any state with its provider,
// the provider's hub and the item's live title; ENOTFOUND when missing.
func (s *Store) FindRevisionByID(ctx context.Context, id int64) (r *culture.MenuRevision, err error) {
	defer wrapStoreCall(&err, "FindRevisionByID(%d)", id)
	err = s.view(ctx, func(tx *Tx) error {
		r, err = findRevision(ctx, tx, id)
		return err
	})
	return r, err
}

// FindPendingRevisions lists the revisions waiting for review of items of
// the hub's providers, oldest first.
func (s *Store) FindPendingRevisions(ctx context.Context, hubID int64) (out []*culture.MenuRevision, err error) {
	defer wrapStoreCall(&err, "FindPendingRevisions(%d)", hubID)
	err = s.view(ctx, func(tx *Tx) error {
		rows, err := tx.query(ctx, `SELECT `+revisionColumns+revisionJoins+`
			WHERE p.hub_id = ? AND r.state = 'pending' ORDER BY r.submitted_at, r.id`, hubID)
		if err != nil {
			return err
		}
		out, err = scanAll(rows, scanRevision)
		return err
	})
	return out, err
}

// joinIDs writes ids comma-separated.
func joinIDs(ids []int64) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(s, ",")
}

// splitIDs reads ids written by joinIDs; "" gives nil.
func splitIDs(s string) ([]int64, error) {
	if s == "" {
		return nil, nil
	}
	parts := strings.Split(s, ",")
	ids := make([]int64, len(parts))
	for i, p := range parts {
		id, err := strconv.ParseInt(p, 10, 64)
		if err != nil {
			return nil, err
		}
		ids[i] = id
	}
	return ids, nil
}

// FindMenuItemByID returns the item with its pending revision, names and
// figures, or ENOTFOUND.
func (s *Store) FindMenuItemByID(ctx context.Context, id int64) (m *culture.MenuItem, err error) {
	defer wrapStoreCall(&err, "FindMenuItemByID(%d)", id)
	err = s.view(ctx, func(tx *Tx) error {
		var e error
		m, e = findMenuItem(ctx, tx, id)
		return e
	})
	return m, err
}

// FindMenuItems returns the items matching f and their total count:
// published only unless f.Status or f.AnyStatus say otherwise; newest
// first, most supported this season first ("supports") or best rated
// first ("rating"); 20 at a time by default, at most 100.
//
// The text query is a LIKE over title, description and provider name, not
// full-text search: a hub's menu is a few hundred items, which a scan reads
// in well under a millisecond, and LIKE finds any fragment of Chinese text
// without the bigram index that the thousands of activities need.
func (s *Store) FindMenuItems(ctx context.Context, f culture.MenuFilter) (items []*culture.MenuItem, n int, err error) {
	defer wrapStoreCall(&err, "FindMenuItems")
	where, args, err := menuFilterWhere(f)
	if err != nil {
		return nil, 0, err
	}
	order, ok := menuOrders[f.Sort]
	if !ok {
		return nil, 0, culture.Invalid("sort", "排序方式无效。")
	}
	err = s.view(ctx, func(tx *Tx) error {
		items, n, err = findMenuItems(ctx, tx, where, order, args, f)
		return err
	})
	return items, n, err
}

func findMenuItems(ctx context.Context, tx *Tx, where, order string, args []any, f culture.MenuFilter) ([]*culture.MenuItem, int, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = 20
	}
	offset := max(f.Offset, 0)
	page := append([]any{string(culture.SeasonOf(tx.now))}, args...)
	rows, err := tx.query(ctx, `SELECT `+menuItemColumns+`, COUNT(*) OVER()`+menuItemJoins+`
		WHERE `+where+` ORDER BY `+order+` LIMIT ? OFFSET ?`, append(page, min(limit, 100), offset)...)
	if err != nil {
		return nil, 0, err
	}
	n := 0
	items, err := scanAll(rows, func(r rowScanner) (*culture.MenuItem, error) { return scanMenuItem(r, &n) })
	// Past the last page there is no row to carry COUNT(*) OVER().
	if err == nil && len(items) == 0 && offset > 0 {
		err = tx.queryRow(ctx, `SELECT COUNT(*)`+menuItemJoins+` WHERE `+where, args...).Scan(&n)
	}
	return items, n, err
}

// menuOrders maps MenuFilter.Sort to ORDER BY clauses over menuItemColumns.
var menuOrders = map[string]string{
	"":         "i.created_at DESC, i.id DESC",
	"supports": "supports DESC, i.created_at DESC, i.id DESC",
	"rating":   "rating_avg DESC, rating_count DESC, i.id DESC",
}

// menuFilterWhere returns the WHERE clause of f and its arguments.
func menuFilterWhere(f culture.MenuFilter) (string, []any, error) {
	var conds []string
	var args []any
	add := func(cond string, arg ...any) { conds, args = append(conds, cond), append(args, arg...) }
	switch {
	case f.AnyStatus:
	case f.Status != nil:
		add("i.status = ?", *f.Status)
	default:
		add("i.status = 'published'")
	}
	for _, c := range []struct {
		col string
		v   *int64
	}{{"p.hub_id", f.HubID}, {"i.provider_id", f.ProviderID}, {"i.series_id", f.SeriesID}} {
		if c.v != nil {
			add(c.col+" = ?", *c.v)
		}
	}
	if f.Category != nil {
		add("i.category = ?", *f.Category)
	}
	if f.Format != nil {
		add("i.format = ?", *f.Format)
	}
	if f.Group != nil {
		if !isAudienceGroup(*f.Group) {
			return "", nil, culture.Invalid("group", "适合人群无效。")
		}
		// audience_groups is comma-separated: delimit both ends so that
		// one value never matches inside another.
		add("(',' || i.audience_groups || ',') LIKE ?", "%,"+*f.Group+",%")
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		if utf8.RuneCountInString(q) > 50 {
			return "", nil, culture.Invalid("q", "搜索词不能超过 50 个字。")
		}
		if !culture.CleanText(q) {
			return "", nil, culture.Invalid("q", "搜索内容包含无效字符。")
		}
		// Both sides are folded by the database's LOWER: SQLite's folds
		// ASCII only, and a query folded in Go (Unicode) would then miss
		// "ＫＴＶ" or "É" written exactly as in the title.
		like := "%" + likeEscaper.Replace(q) + "%"
		add(`(LOWER(i.title) LIKE LOWER(?) ESCAPE '\' OR LOWER(i.description) LIKE LOWER(?) ESCAPE '\'
			OR LOWER(p.name) LIKE LOWER(?) ESCAPE '\')`, like, like, like)
	}
	if len(conds) == 0 {
		return "1 = 1", nil, nil
	}
	return strings.Join(conds, " AND "), args, nil
}

func isAudienceGroup(g string) bool {
	for _, l := range culture.AudienceGroups {
		if l.Value == g {
			return true
		}
	}
	return false
}

// likeEscaper escapes LIKE wildcards for ESCAPE '\'.
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// menuItemColumns selects an item i with its provider and series names and
// its figures; its one argument is the current season. The rating average
// is cast to a float on both engines (PostgreSQL's AVG is numeric).
const menuItemColumns = `i.id, i.provider_id, i.status, i.title, i.category, i.format, i.sessions,
	i.audience_groups, i.age_min, i.age_max, i.minutes, i.capacity_min, i.capacity_max, i.needs,
	i.cost, i.available, i.description, i.photo_ids, i.series_id, i.return_reason, i.created_at,
	i.updated_at, p.name, COALESCE(se.name, ''),
	(SELECT COUNT(*) FROM menu_supports ms WHERE ms.item_id = i.id AND ms.season = ?) AS supports,
	(SELECT COUNT(*) FROM menu_requests mr WHERE mr.item_id = i.id AND mr.status IN ('open', 'planned')),
	(SELECT COUNT(*) FROM deliveries d WHERE d.item_id = i.id AND d.status IN ` + deliveredStatuses + `),
	(SELECT COALESCE(SUM(d.attendance), 0) FROM deliveries d
		WHERE d.item_id = i.id AND d.status IN ` + deliveredStatuses + `),
	COALESCE(CAST((SELECT AVG(r.score) FROM ratings r JOIN deliveries d ON d.activity_id = r.activity_id
		WHERE d.item_id = i.id AND r.hidden = 0) AS DOUBLE PRECISION), 0) AS rating_avg,
	(SELECT COUNT(*) FROM ratings r JOIN deliveries d ON d.activity_id = r.activity_id
		WHERE d.item_id = i.id AND r.hidden = 0) AS rating_count`

const menuItemJoins = ` FROM menu_items i JOIN providers p ON p.id = i.provider_id
	LEFT JOIN series se ON se.id = i.series_id`

// scanMenuItem scans menuItemColumns, then any extra columns into extra.
func scanMenuItem(row rowScanner, extra ...any) (*culture.MenuItem, error) {
	var m culture.MenuItem
	var groups, photos string
	var series sql.NullInt64
	var created, updated int64
	dest := append([]any{&m.ID, &m.ProviderID, &m.Status, &m.Title, &m.Category, &m.Format, &m.Sessions,
		&groups, &m.AgeMin, &m.AgeMax, &m.Minutes, &m.CapacityMin, &m.CapacityMax, &m.Needs,
		&m.Cost, &m.Available, &m.Description, &photos, &series, &m.ReturnReason, &created,
		&updated, &m.ProviderName, &m.SeriesName,
		&m.Supports, &m.Requests, &m.Deliveries, &m.Attendance, &m.RatingAvg, &m.RatingCount}, extra...)
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	var err error
	m.PhotoIDs, err = splitIDs(photos)
	m.Groups = strings.Split(groups, ",")
	m.SeriesID, m.CreatedAt, m.UpdatedAt = scanOptID(series), fromUnix(created), fromUnix(updated)
	return &m, err
}

// findMenuItem returns the item with its pending revision, or ENOTFOUND.
func findMenuItem(ctx context.Context, tx *Tx, id int64) (*culture.MenuItem, error) {
	m, err := scanMenuItem(tx.queryRow(ctx, `SELECT `+menuItemColumns+menuItemJoins+` WHERE i.id = ?`,
		string(culture.SeasonOf(tx.now)), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, culture.Errorf(culture.ENOTFOUND, menuItemNotFoundMsg)
	} else if err != nil {
		return nil, err
	}
	m.Pending, err = pendingRevision(ctx, tx, id)
	return m, err
}

// ImageOwner returns the account that uploaded the image (nil when not
// recorded), or ENOTFOUND. The API lets a caller attach only images it
// uploaded, besides those already on the item or provider.
func (s *Store) ImageOwner(ctx context.Context, id int64) (by *int64, err error) {
	defer wrapStoreCall(&err, "ImageOwner(%d)", id)
	var owner sql.NullInt64
	err = s.view(ctx, func(tx *Tx) error {
		return tx.queryRow(ctx, `SELECT created_by FROM images WHERE id = ?`, id).Scan(&owner)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errImageNotFound
	} else if err != nil {
		return nil, err
	}
	return scanOptID(owner), nil
}
