package sqlstore

// TEMPORARY: stubs replaced by provider.go, image.go, menu.go, support.go and
// request.go. This file is deleted when they are written.

import (
	"context"
	"errors"

	"github.com/wenyun/wenyun/internal/culture"
)

var errStub = errors.New("not written yet")

func (s *Store) CreateImage(ctx context.Context, data []byte, by *int64) (*culture.Image, error) {
	return nil, errStub
}
func (s *Store) FindImage(ctx context.Context, id int64) (*culture.Image, []byte, error) {
	return nil, nil, errStub
}
func (s *Store) CreateProvider(ctx context.Context, p *culture.Provider) error { return errStub }
func (s *Store) UpdateProvider(ctx context.Context, p *culture.Provider) error { return errStub }
func (s *Store) FindProviderByID(ctx context.Context, id int64) (*culture.Provider, error) {
	return nil, errStub
}
func (s *Store) FindProviders(ctx context.Context, hubID *int64) ([]*culture.Provider, error) {
	return nil, errStub
}
func (s *Store) SubmitMenuItem(ctx context.Context, providerID, itemID int64, f culture.MenuItemFields, by int64) (*culture.MenuItem, error) {
	return nil, errStub
}
func (s *Store) ReviewMenuItem(ctx context.Context, revisionID int64, approve bool, reason string, by int64) error {
	return errStub
}
func (s *Store) WithdrawMenuItem(ctx context.Context, itemID int64) error { return errStub }
func (s *Store) FindMenuItemByID(ctx context.Context, id int64) (*culture.MenuItem, error) {
	return nil, errStub
}
func (s *Store) FindMenuItems(ctx context.Context, f culture.MenuFilter) ([]*culture.MenuItem, int, error) {
	return nil, 0, errStub
}
func (s *Store) FindPendingRevisions(ctx context.Context, hubID int64) ([]*culture.MenuRevision, error) {
	return nil, errStub
}
func (s *Store) Support(ctx context.Context, accountID, itemID, unitID int64) (*culture.Support, error) {
	return nil, errStub
}
func (s *Store) WithdrawSupport(ctx context.Context, accountID, itemID int64) error { return errStub }
func (s *Store) FindSupports(ctx context.Context, accountID int64, season culture.Season) ([]*culture.Support, error) {
	return nil, errStub
}
func (s *Store) SupportQuota(ctx context.Context) (int, error)                   { return 0, errStub }
func (s *Store) CreateRequest(ctx context.Context, r *culture.MenuRequest) error { return errStub }
func (s *Store) SetRequestStatus(ctx context.Context, id int64, status, reason string) error {
	return errStub
}
func (s *Store) FindRequestByID(ctx context.Context, id int64) (*culture.MenuRequest, error) {
	return nil, errStub
}
func (s *Store) FindRequests(ctx context.Context, within int64, status *string) ([]*culture.MenuRequest, error) {
	return nil, errStub
}
func (s *Store) DemandBoard(ctx context.Context, within int64, season culture.Season) (*culture.DemandBoard, error) {
	return nil, errStub
}
