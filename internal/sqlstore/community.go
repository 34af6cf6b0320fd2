package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/wenyun/wenyun/internal/culture"
)

// Communities (社群) belong to branches and points: community_members holds
// who joined when, announcements what staff posted. Leaving deletes the
// membership row, so growth figures count today's members by the week they
// joined: a member who left is not remembered.

var _ culture.CommunityService = (*Store)(nil)

var (
	errNotCommunity = culture.Invalid("unit_id", "只能加入分馆或基层文化点的社群。")
	errNoCommunity  = culture.Errorf(culture.ENOTFOUND, "该单位没有社群。")
	errNotJoined    = culture.Errorf(culture.ENOTFOUND, "您还不是该社群的成员。")
	errNoAuthor     = culture.Invalid("author_id", "公告须有发布人。")
)

// Growth and listing bounds.
const (
	growthWeeks        = 12
	maxMembersPage     = 200
	defaultMembersPage = 50
	maxAnnouncements   = 100
)

// communityUnit loads the unit of a community: ENOTFOUND when there is no
// such unit, EINVALID when it is not a branch or point.
func communityUnit(ctx context.Context, tx *Tx, unitID int64) (*culture.Unit, error) {
	u, err := findUnit(ctx, tx, unitID)
	if err != nil {
		return nil, err
	}
	if u.Kind != culture.UnitBranch && u.Kind != culture.UnitPoint {
		return nil, errNotCommunity
	}
	return u, nil
}

// JoinCommunity adds the account to the unit's community; joining again
// keeps the first joining time.
func (s *Store) JoinCommunity(ctx context.Context, accountID, unitID int64) (err error) {
	defer wrapStoreCall(&err, "JoinCommunity(account=%d, unit=%d)", accountID, unitID)
	return s.update(ctx, func(tx *Tx) error {
		if _, err := communityUnit(ctx, tx, unitID); err != nil {
			return err
		}
		_, err := tx.exec(ctx, `INSERT INTO community_members (unit_id, account_id, joined_at)
			VALUES (?, ?, ?) ON CONFLICT (unit_id, account_id) DO NOTHING`, unitID, accountID, tx.nowUnix())
		return err
	})
}

// LeaveCommunity removes the account from the unit's community; ENOTFOUND
// when it is not a member.
func (s *Store) LeaveCommunity(ctx context.Context, accountID, unitID int64) (err error) {
	defer wrapStoreCall(&err, "LeaveCommunity(account=%d, unit=%d)", accountID, unitID)
	return s.update(ctx, func(tx *Tx) error {
		res, err := tx.exec(ctx, `DELETE FROM community_members WHERE unit_id = ? AND account_id = ?`,
			unitID, accountID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return errorOr(err, errNotJoined)
		}
		return nil
	})
}

// FindCommunity returns the unit's community with its growth over the
// last 12 weeks and the viewer's membership. ENOTFOUND for a unit that is
// missing or has no community (the city and hubs).
func (s *Store) FindCommunity(ctx context.Context, unitID, viewer int64) (c *culture.Community, err error) {
	defer wrapStoreCall(&err, "FindCommunity(unit=%d, viewer=%d)", unitID, viewer)
	err = s.view(ctx, func(tx *Tx) error {
		u, err := communityUnit(ctx, tx, unitID)
		if culture.ErrorCode(err) == culture.EINVALID {
			return errNoCommunity
		} else if err != nil {
			return err
		}
		c = &culture.Community{UnitID: u.ID, UnitName: u.Name}
		if err := viewerMembership(ctx, tx, c, viewer); err != nil {
			return err
		}
		c.Growth, err = communityGrowth(ctx, tx, unitID)
		if len(c.Growth) > 0 {
			c.Members = c.Growth[len(c.Growth)-1].Members
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// viewerMembership sets c.Member and c.JoinedAt for the viewer (0: none).
func viewerMembership(ctx context.Context, tx *Tx, c *culture.Community, viewer int64) error {
	if viewer <= 0 {
		return nil
	}
	var joined int64
	err := tx.queryRow(ctx, `SELECT joined_at FROM community_members WHERE unit_id = ? AND account_id = ?`,
		c.UnitID, viewer).Scan(&joined)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	} else if err != nil {
		return err
	}
	t := fromUnix(joined)
	c.Member, c.JoinedAt = true, &t
	return nil
}

// shanghaiWeek numbers the week (Monday 00:00 Asia/Shanghai onwards) of a
// Unix time: local days are (ts+8h)/1d, and day 0 (1 January 1970) was a
// Thursday, so day+3 counts from a Monday. SQL uses the same arithmetic.
func shanghaiWeek(ts int64) int64 { return ((ts+28800)/86400 + 3) / 7 }

// weekStart is the Unix time at which week w begins.
func weekStart(w int64) int64 { return (w*7-3)*86400 - 28800 }

// communityGrowth returns the joins of each of the last growthWeeks weeks,
// the current one last, and the member count at the end of each (now,
// for the current week).
func communityGrowth(ctx context.Context, tx *Tx, unitID int64) ([]*culture.CommunityGrowth, error) {
	first := shanghaiWeek(tx.nowUnix()) - growthWeeks + 1
	var members int
	err := tx.queryRow(ctx, `SELECT COUNT(*) FROM community_members WHERE unit_id = ? AND joined_at < ?`,
		unitID, weekStart(first)).Scan(&members)
	if err != nil {
		return nil, err
	}
	joins, err := weeklyJoins(ctx, tx, unitID, weekStart(first))
	if err != nil {
		return nil, err
	}
	out := make([]*culture.CommunityGrowth, growthWeeks)
	for i := range out {
		w := first + int64(i)
		members += joins[w]
		out[i] = &culture.CommunityGrowth{Week: fromUnix(weekStart(w)), Joined: joins[w], Members: members}
	}
	return out, nil
}

// weeklyJoins counts the community's joins since from by week number.
func weeklyJoins(ctx context.Context, tx *Tx, unitID, from int64) (map[int64]int, error) {
	rows, err := tx.query(ctx, `SELECT ((joined_at + 28800) / 86400 + 3) / 7 AS wk, COUNT(*)
		FROM community_members WHERE unit_id = ? AND joined_at >= ? GROUP BY wk`, unitID, from)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	joins := map[int64]int{}
	for rows.Next() {
		var w int64
		var n int
		if err := rows.Scan(&w, &n); err != nil {
			return nil, err
		}
		joins[w] = n
	}
	return joins, rows.Err()
}

// FindCommunities lists the communities of the branches and points under
// within (0: everywhere) — only those the account member belongs to when
// member > 0, each then marked as the account's — branches first, by id.
// Growth is left out.
func (s *Store) FindCommunities(ctx context.Context, within, member int64) (cs []*culture.Community, err error) {
	defer wrapStoreCall(&err, "FindCommunities(within=%d, member=%d)", within, member)
	q := `SELECT u.id, u.name, (SELECT COUNT(*) FROM community_members m WHERE m.unit_id = u.id),
		(SELECT m.joined_at FROM community_members m WHERE m.unit_id = u.id AND m.account_id = ?)
		FROM units u WHERE u.kind IN ('branch', 'point')`
	args := []any{member}
	if within > 0 {
		q, args = q+` AND u.path LIKE ((SELECT w.path FROM units w WHERE w.id = ?) || '%')`, append(args, within)
	}
	if member > 0 {
		q, args = q+` AND u.id IN (SELECT m.unit_id FROM community_members m WHERE m.account_id = ?)`, append(args, member)
	}
	err = s.view(ctx, func(tx *Tx) error {
		rows, err := tx.query(ctx, q+` ORDER BY `+unitOrder, args...)
		if err != nil {
			return err
		}
		cs, err = scanAll(rows, scanCommunity)
		return err
	})
	return cs, err
}

func scanCommunity(r rowScanner) (*culture.Community, error) {
	var c culture.Community
	var joined sql.NullInt64
	if err := r.Scan(&c.UnitID, &c.UnitName, &c.Members, &joined); err != nil {
		return nil, err
	}
	c.JoinedAt = nullUnix(joined)
	c.Member = c.JoinedAt != nil
	return &c, nil
}

// FindMembers returns a page of the community's members, newest first, and
// their total. Names are shown as stored (staff need them to run the
// community, as they do on attendee lists); phones are masked here, so a
// full number never leaves the store. ENOTFOUND for a unit without a
// community.
func (s *Store) FindMembers(ctx context.Context, unitID int64, limit, offset int) (ms []*culture.CommunityMember, total int, err error) {
	defer wrapStoreCall(&err, "FindMembers(unit=%d, %d, %d)", unitID, limit, offset)
	if limit <= 0 || limit > maxMembersPage {
		limit = defaultMembersPage
	}
	err = s.view(ctx, func(tx *Tx) error {
		if _, err := communityUnit(ctx, tx, unitID); culture.ErrorCode(err) == culture.EINVALID {
			return errNoCommunity
		} else if err != nil {
			return err
		}
		err := tx.queryRow(ctx, `SELECT COUNT(*) FROM community_members WHERE unit_id = ?`, unitID).Scan(&total)
		if err != nil {
			return err
		}
		rows, err := tx.query(ctx, `SELECT a.id, a.name, COALESCE(a.phone, ''), m.joined_at
			FROM community_members m JOIN accounts a ON a.id = m.account_id
			WHERE m.unit_id = ? ORDER BY m.joined_at DESC, a.id DESC LIMIT ? OFFSET ?`, unitID, limit, max(offset, 0))
		if err != nil {
			return err
		}
		ms, err = scanAll(rows, scanMember)
		return err
	})
	return ms, total, err
}

func scanMember(r rowScanner) (*culture.CommunityMember, error) {
	var m culture.CommunityMember
	var joined int64
	if err := r.Scan(&m.AccountID, &m.Name, &m.Phone, &joined); err != nil {
		return nil, err
	}
	m.Phone, m.JoinedAt = culture.MaskPhone(m.Phone), fromUnix(joined)
	return &m, nil
}

// PostAnnouncement validates and stores a, setting its ID, CreatedAt,
// UnitName and AuthorName, and notifies every member once (key
// "announcement:<id>"), in the same transaction. The unit must be a branch
// or point; the caller has checked that the author may manage it.
func (s *Store) PostAnnouncement(ctx context.Context, a *culture.Announcement) error {
	_, err := s.PostAnnouncementOnce(ctx, a, "")
	return err
}

var errAnnouncementKey = culture.Invalid("idempotency_key",
	"请求标识（Idempotency-Key）须为最多 100 个可见的 ASCII 字符。")

// PostAnnouncementOnce is PostAnnouncement with an idempotency key (empty:
// none). A key the author already used at the unit — a double submit, a
// retried request — posts nothing and notifies no one: a becomes the
// announcement made then, and created is false.
func (s *Store) PostAnnouncementOnce(ctx context.Context, a *culture.Announcement, key string) (created bool, err error) {
	defer wrapStoreCall(&err, "PostAnnouncementOnce(unit=%d, author=%d)", a.UnitID, a.AuthorID)
	if err := a.Validate(); err != nil {
		return false, err
	}
	if a.AuthorID <= 0 {
		return false, errNoAuthor
	} else if !culture.ValidIdempotencyKey(key) {
		return false, errAnnouncementKey
	}
	err = s.update(ctx, func(tx *Tx) error {
		u, err := communityUnit(ctx, tx, a.UnitID)
		if err != nil {
			return err
		}
		if created, err = insertAnnouncement(ctx, tx, a, key); err != nil || !created {
			return err
		}
		a.UnitName = u.Name
		return notifyMembers(ctx, tx, a)
	})
	return created, err
}

// insertAnnouncement stores a, or with a key already used by the author
// at the unit loads the announcement made with it into a and returns
// false. ON CONFLICT waits for a concurrent insert of the same key to
// commit, so the lookup after it finds that row (a new statement sees it
// under READ COMMITTED; SQLite writes one at a time).
func insertAnnouncement(ctx context.Context, tx *Tx, a *culture.Announcement, key string) (bool, error) {
	err := tx.queryRow(ctx, `SELECT CASE WHEN name <> '' THEN name ELSE COALESCE(username, '') END
		FROM accounts WHERE id = ?`, a.AuthorID).Scan(&a.AuthorName)
	if errors.Is(err, sql.ErrNoRows) {
		return false, errNoAuthor
	} else if err != nil {
		return false, err
	}
	err = tx.queryRow(ctx, `INSERT INTO announcements (unit_id, title, body, author_id, created_at, idem_key)
		VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (unit_id, author_id, idem_key) DO NOTHING RETURNING id`,
		a.UnitID, a.Title, a.Body, a.AuthorID, tx.nowUnix(), keyOrNull(key)).Scan(&a.ID)
	if errors.Is(err, sql.ErrNoRows) {
		return false, announcementByKey(ctx, tx, a, key)
	}
	a.CreatedAt = tx.now
	return err == nil, err
}

// keyOrNull stores an empty key as NULL, which never conflicts.
func keyOrNull(key string) any {
	if key == "" {
		return nil
	}
	return key
}

// announcementByKey replaces a with the author's announcement at a's unit
// made with key.
func announcementByKey(ctx context.Context, tx *Tx, a *culture.Announcement, key string) error {
	found, err := scanAnnouncement(tx.queryRow(ctx, announcementSelect+`
		WHERE an.unit_id = ? AND an.author_id = ? AND an.idem_key = ?`, a.UnitID, a.AuthorID, key))
	if err != nil {
		return err
	}
	*a = *found
	return nil
}

// notifyMembers puts the announcement in every member's inbox.
func notifyMembers(ctx context.Context, tx *Tx, a *culture.Announcement) error {
	ids, err := tx.queryIDs(ctx, `SELECT account_id FROM community_members WHERE unit_id = ? ORDER BY account_id`,
		a.UnitID)
	if err != nil {
		return err
	}
	return notifyAccounts(ctx, tx, culture.Notification{
		Kind:  culture.KindAnnouncement,
		Title: a.UnitName + "：" + a.Title,
		Body:  a.Body,
		Link:  fmt.Sprintf("/communities/%d#a%d", a.UnitID, a.ID),
		Key:   fmt.Sprintf("announcement:%d", a.ID),
	}, ids)
}

// FindAnnouncements returns the unit's latest announcements, newest
// first, with author and unit names; at most limit (1–100, default 20).
func (s *Store) FindAnnouncements(ctx context.Context, unitID int64, limit int) (as []*culture.Announcement, err error) {
	defer wrapStoreCall(&err, "FindAnnouncements(unit=%d, %d)", unitID, limit)
	if limit <= 0 || limit > maxAnnouncements {
		limit = 20
	}
	err = s.view(ctx, func(tx *Tx) error {
		rows, err := tx.query(ctx, announcementSelect+`
			WHERE an.unit_id = ? ORDER BY an.created_at DESC, an.id DESC LIMIT ?`, unitID, limit)
		if err != nil {
			return err
		}
		as, err = scanAll(rows, scanAnnouncement)
		return err
	})
	return as, err
}

// announcementSelect reads what scanAnnouncement scans, with author and
// unit names.
const announcementSelect = `SELECT an.id, an.unit_id, an.title, an.body, an.author_id,
	CASE WHEN acc.name <> '' THEN acc.name ELSE COALESCE(acc.username, '') END, u.name, an.created_at
	FROM announcements an JOIN accounts acc ON acc.id = an.author_id JOIN units u ON u.id = an.unit_id`

func scanAnnouncement(r rowScanner) (*culture.Announcement, error) {
	var a culture.Announcement
	var created int64
	err := r.Scan(&a.ID, &a.UnitID, &a.Title, &a.Body, &a.AuthorID, &a.AuthorName, &a.UnitName, &created)
	a.CreatedAt = fromUnix(created)
	return &a, err
}
