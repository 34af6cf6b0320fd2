package sqlstore

import (
	"context"
	"errors"

	"github.com/wenyun/wenyun/internal/culture"
)

var errStatsTODO = errors.New("sqlstore: rollups not built yet")

// RebuildRollups — see culture.StatsService.
func (s *Store) RebuildRollups(ctx context.Context, progress func(done, total int)) (culture.RollupRun, error) {
	return culture.RollupRun{}, errStatsTODO
}

// RecountRollups — see culture.StatsService.
func (s *Store) RecountRollups(ctx context.Context) ([]culture.StatRow, error) {
	return nil, errStatsTODO
}

// FindRollups — see culture.StatsService.
func (s *Store) FindRollups(ctx context.Context, q culture.StatsQuery) ([]culture.StatRow, error) {
	return nil, errStatsTODO
}

// UniqueParticipants — see culture.StatsService.
func (s *Store) UniqueParticipants(ctx context.Context, roots []int64, from, to culture.Day) (map[int64]int, error) {
	return nil, errStatsTODO
}

// LastRollup — see culture.StatsService.
func (s *Store) LastRollup(ctx context.Context) (culture.RollupRun, error) {
	return culture.RollupRun{}, errStatsTODO
}

var _ culture.StatsService = (*Store)(nil)
