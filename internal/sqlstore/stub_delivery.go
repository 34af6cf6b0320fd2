package sqlstore

// TEMPORARY: stubs replaced by delivery.go, rating.go and follow.go. This
// file is deleted when they are written.

import (
	"context"

	"github.com/wenyun/wenyun/internal/culture"
)

func (s *Store) PlanDelivery(ctx context.Context, d *culture.Delivery) error { return errStub }
func (s *Store) ConfirmDelivery(ctx context.Context, id, providerID int64, confirm bool, reason string) (*culture.Delivery, error) {
	return nil, errStub
}
func (s *Store) UpdateDelivery(ctx context.Context, id int64, upd culture.DeliveryUpdate) (*culture.Delivery, error) {
	return nil, errStub
}
func (s *Store) CancelDelivery(ctx context.Context, id int64, reason string) error { return errStub }
func (s *Store) FindDeliveryByID(ctx context.Context, id int64) (*culture.Delivery, error) {
	return nil, errStub
}
func (s *Store) FindDeliveries(ctx context.Context, f culture.DeliveryFilter) ([]*culture.Delivery, int, error) {
	return nil, 0, errStub
}
func (s *Store) MarkDeliveriesHeld(ctx context.Context) (int, error) { return 0, errStub }
func (s *Store) BranchFigures(ctx context.Context, within int64, season culture.Season) ([]*culture.BranchFigures, error) {
	return nil, errStub
}
func (s *Store) Rate(ctx context.Context, r *culture.Rating) error { return errStub }
func (s *Store) FindRatings(ctx context.Context, activityID *int64, itemID *int64, limit int) ([]*culture.Rating, error) {
	return nil, errStub
}
func (s *Store) FollowSeries(ctx context.Context, accountID, seriesID int64, follow bool) error {
	return errStub
}
func (s *Store) IsFollowing(ctx context.Context, accountID, seriesID int64) (bool, error) {
	return false, errStub
}
func (s *Store) SeriesFigures(ctx context.Context, seriesID int64) (*culture.SeriesFigures, error) {
	return nil, errStub
}
