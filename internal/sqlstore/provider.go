package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"github.com/wenyun/wenyun/internal/culture"
)

// CreateProvider validates and stores p, setting its ID and CreatedAt. Its
// hub must be a unit of kind hub and its logo a stored image (EINVALID).
func (s *Store) CreateProvider(ctx context.Context, p *culture.Provider) (err error) {
	defer wrapStoreCall(&err, "CreateProvider(%q)", p.Name)
	if err := p.Validate(); err != nil {
		return err
	}
	return s.update(ctx, func(tx *Tx) error {
		if err := providerRefsExist(ctx, tx, p); err != nil {
			return err
		}
		p.CreatedAt = tx.now
		return tx.queryRow(ctx, `INSERT INTO providers
			(hub_id, name, level, kind, contact_name, contact_phone, intro, logo_id, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			p.HubID, p.Name, p.Level, p.Kind, p.ContactName, p.ContactPhone, p.Intro, p.LogoID,
			tx.nowUnix()).Scan(&p.ID)
	})
}

// UpdateProvider validates p and stores its name, level, kind, contact,
// intro and logo; a provider stays with its hub (HubID is ignored). It
// refreshes p, figures included, from the database.
func (s *Store) UpdateProvider(ctx context.Context, p *culture.Provider) (err error) {
	defer wrapStoreCall(&err, "UpdateProvider(%d)", p.ID)
	if err := p.Validate(); err != nil {
		return err
	}
	return s.update(ctx, func(tx *Tx) error {
		if p.LogoID != nil {
			if err := imagesExist(ctx, tx, "logo_id", []int64{*p.LogoID}); err != nil {
				return err
			}
		}
		res, err := tx.exec(ctx, `UPDATE providers SET name = ?, level = ?, kind = ?, contact_name = ?,
			contact_phone = ?, intro = ?, logo_id = ? WHERE id = ?`,
			p.Name, p.Level, p.Kind, p.ContactName, p.ContactPhone, p.Intro, p.LogoID, p.ID)
		if err := accountMustAffect(res, err, providerNotFoundMsg); err != nil {
			return err
		}
		stored, err := findProvider(ctx, tx, p.ID)
		if err == nil {
			*p = *stored
		}
		return err
	})
}

// FindProviderByID returns the provider with its figures, or ENOTFOUND.
func (s *Store) FindProviderByID(ctx context.Context, id int64) (p *culture.Provider, err error) {
	defer wrapStoreCall(&err, "FindProviderByID(%d)", id)
	err = s.view(ctx, func(tx *Tx) error {
		var e error
		p, e = findProvider(ctx, tx, id)
		return e
	})
	return p, err
}

// FindProviders returns the providers serving the hub (every provider when
// hubID is nil) with their figures: city level first, then by name.
func (s *Store) FindProviders(ctx context.Context, hubID *int64) (out []*culture.Provider, err error) {
	defer wrapStoreCall(&err, "FindProviders")
	err = s.view(ctx, func(tx *Tx) error {
		where, args := "1 = 1", []any{}
		if hubID != nil {
			where, args = "p.hub_id = ?", append(args, *hubID)
		}
		rows, err := tx.query(ctx, `SELECT `+providerColumns+` FROM providers p WHERE `+where+`
			ORDER BY CASE p.level WHEN 'city' THEN 0 ELSE 1 END, p.name, p.id`, args...)
		if err != nil {
			return err
		}
		out, err = scanAll(rows, scanProvider)
		return err
	})
	return out, err
}

const providerNotFoundMsg = "文化主体不存在。"

// deliveredStatuses are the delivery statuses that count as held: the
// activity took place.
const deliveredStatuses = `('held', 'rated', 'settled')`

// providerColumns selects a provider with its figures: published items,
// deliveries held, and the sum and count of visible ratings of the
// activities of its deliveries (the average is taken in Go).
const providerColumns = `p.id, p.hub_id, p.name, p.level, p.kind, p.contact_name, p.contact_phone,
	p.intro, p.logo_id, p.created_at,
	(SELECT COUNT(*) FROM menu_items i WHERE i.provider_id = p.id AND i.status = 'published'),
	(SELECT COUNT(*) FROM deliveries d WHERE d.provider_id = p.id AND d.status IN ` + deliveredStatuses + `),
	(SELECT COALESCE(SUM(r.score), 0) FROM ratings r JOIN deliveries d ON d.activity_id = r.activity_id
		WHERE d.provider_id = p.id AND r.hidden = 0),
	(SELECT COUNT(*) FROM ratings r JOIN deliveries d ON d.activity_id = r.activity_id
		WHERE d.provider_id = p.id AND r.hidden = 0)`

func scanProvider(row rowScanner) (*culture.Provider, error) {
	var p culture.Provider
	var logo sql.NullInt64
	var created, ratingSum int64
	err := row.Scan(&p.ID, &p.HubID, &p.Name, &p.Level, &p.Kind, &p.ContactName, &p.ContactPhone,
		&p.Intro, &logo, &created, &p.ItemCount, &p.Deliveries, &ratingSum, &p.RatingCount)
	if err != nil {
		return nil, err
	}
	p.LogoID, p.CreatedAt = scanOptID(logo), fromUnix(created)
	p.RatingAvg = ratingAvg(ratingSum, p.RatingCount)
	return &p, nil
}

// ratingAvg is sum/count, or 0 with no ratings.
func ratingAvg(sum int64, count int) float64 {
	if count == 0 {
		return 0
	}
	return float64(sum) / float64(count)
}

func findProvider(ctx context.Context, tx *Tx, id int64) (*culture.Provider, error) {
	p, err := scanProvider(tx.queryRow(ctx, `SELECT `+providerColumns+` FROM providers p WHERE p.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, culture.Errorf(culture.ENOTFOUND, providerNotFoundMsg)
	}
	return p, err
}

// providerRefsExist checks that a new provider's hub is a hub and its logo
// a stored image.
func providerRefsExist(ctx context.Context, tx *Tx, p *culture.Provider) error {
	hub, err := findUnit(ctx, tx, p.HubID)
	if culture.ErrorCode(err) == culture.ENOTFOUND || (err == nil && hub.Kind != culture.UnitHub) {
		return culture.Invalid("hub_id", "请选择文化主体服务的总馆。")
	} else if err != nil {
		return err
	}
	if p.LogoID != nil {
		return imagesExist(ctx, tx, "logo_id", []int64{*p.LogoID})
	}
	return nil
}
