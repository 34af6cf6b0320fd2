package web

import (
	"net/http"

	"github.com/wenyun/wenyun/internal/culture"
)

// lotteryPage is the public result page of a lottery.
type lotteryPage struct {
	Page
	Activity *culture.Activity
	Lottery  *culture.Lottery
}

// handleLotteryView shows a lottery's commitment, and after the draw its
// seed and the applications in draw order with masked names, and how to
// check the draw.
func (s *Server) handleLotteryView(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r)
	if !ok || s.Lotteries == nil {
		s.notFound(w, r)
		return
	}
	l, err := s.Lotteries.FindLottery(r.Context(), id)
	if err != nil {
		s.error(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "lottery", "", &lotteryPage{
		Page: s.page(r, "抽签结果 · "+l.Activity.Title), Activity: l.Activity, Lottery: l,
	})
}
