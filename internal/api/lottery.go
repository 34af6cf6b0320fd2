package api

import (
	"net/http"
	"time"

	"github.com/wenyun/wenyun/internal/culture"
)

// lotteryJSON is the public record of a lottery: the commitment always;
// the seed, the draw time and the entries in draw order once drawn.
type lotteryJSON struct {
	ActivityID   int64              `json:"activity_id"`
	Title        string             `json:"title"`
	Commitment   string             `json:"commitment"`
	Seed         *string            `json:"seed"`
	OpensAt      *time.Time         `json:"opens_at"`
	DrawAt       *time.Time         `json:"draw_at"`
	DrawnAt      *time.Time         `json:"drawn_at"`
	Weighted     bool               `json:"weighted"`
	Seats        int                `json:"seats"`
	Applications int                `json:"applications"`
	Entries      []lotteryEntryJSON `json:"entries"`
}

// lotteryEntryJSON is one application in draw order; name is masked.
type lotteryEntryJSON struct {
	Rank      int     `json:"rank"`
	BookingID int64   `json:"booking_id"`
	Seats     int     `json:"seats"`
	Weight    float64 `json:"weight"`
	Won       bool    `json:"won"`
	Name      string  `json:"name"`
}

func newLotteryJSON(l *culture.Lottery) lotteryJSON {
	v := lotteryJSON{ActivityID: l.Activity.ID, Title: l.Activity.Title, Commitment: l.Commitment,
		OpensAt: utc(l.Activity.OpensAt), DrawAt: utc(l.DrawAt), Weighted: l.Weighted,
		Seats: l.Seats, Applications: l.Applications, Entries: []lotteryEntryJSON{}}
	if l.Drawn() {
		v.Seed, v.DrawnAt = &l.Seed, utc(*l.DrawnAt)
	}
	for _, e := range l.Entries {
		v.Entries = append(v.Entries, lotteryEntryJSON{Rank: e.Rank, BookingID: e.BookingID,
			Seats: e.Seats, Weight: e.Weight, Won: e.Won, Name: e.Name})
	}
	return v
}

// handleLotteryView shows an activity's lottery: 404 not_lottery for
// activities of another mode.
func (a *API) handleLotteryView(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r, "id")
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	if a.lotteries == nil {
		a.writeError(w, r, culture.Errorf(culture.ENOTFOUND, "抽签服务未启用。"))
		return
	}
	l, err := a.lotteries.FindLottery(r.Context(), id)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	a.writeJSON(w, r, http.StatusOK, newLotteryJSON(l))
}
