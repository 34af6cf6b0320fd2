package sqlstore

import (
	"crypto/rand"

	"github.com/wenyun/wenyun/internal/culture"
)

// ticketCodeLen is the length of a ticket code: 10 symbols of a 32-symbol
// alphabet are 50 bits, too many to guess and few enough to read aloud.
const ticketCodeLen = 10

// newTicketCode returns a random ticket code over culture.CodeAlphabet().
// Random bytes at or above the largest multiple of the alphabet size are
// rejected, so every symbol is equally likely (with 32 symbols none are).
func newTicketCode() (string, error) {
	alpha := culture.CodeAlphabet()
	limit := 256 - 256%len(alpha)
	out := make([]byte, 0, ticketCodeLen)
	var buf [ticketCodeLen * 2]byte
	for len(out) < ticketCodeLen {
		if _, err := rand.Read(buf[:]); err != nil {
			return "", err
		}
		for _, b := range buf {
			if int(b) < limit && len(out) < ticketCodeLen {
				out = append(out, alpha[int(b)%len(alpha)])
			}
		}
	}
	return string(out), nil
}
