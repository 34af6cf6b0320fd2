package api_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wenyun/wenyun/internal/culture"
)

func TestLotteryView(t *testing.T) {
	t.Parallel()
	h, store, f := newTestAPI(t)
	ctx := t.Context()
	id := mustActivity(t, store, f.Xi, "亲子剪纸抽签课", culture.ModeLottery, 1, 2, now.Add(-time.Hour), now.Add(time.Hour))
	for _, acct := range []int64{f.Alice, f.Bob} {
		if _, err := store.CreateBooking(ctx, &culture.BookingRequest{ActivityID: id, AccountID: acct, Self: true}); err != nil {
			t.Fatal(err)
		}
	}
	var doc map[string]any
	call(t, h, "GET", "/api/v1/openapi.json", "", "", http.StatusOK, &doc)
	schema, err := replySchema(doc, "/activities/{id}/lottery", "get", 200)
	if err != nil {
		t.Fatal(err)
	}
	get := func(want int) (map[string]any, *struct {
		Commitment string  `json:"commitment"`
		Seed       *string `json:"seed"`
		Entries    []struct {
			Won  bool   `json:"won"`
			Name string `json:"name"`
		} `json:"entries"`
	}) {
		rec := call(t, h, "GET", path("/api/v1/activities/%d/lottery", id), "", "", want, nil)
		var raw map[string]any
		json.Unmarshal(rec.Body.Bytes(), &raw)
		for _, problem := range conform(doc, schema, raw, "$") {
			t.Errorf("reply: %s", problem)
		}
		var out struct {
			Commitment string  `json:"commitment"`
			Seed       *string `json:"seed"`
			Entries    []struct {
				Won  bool   `json:"won"`
				Name string `json:"name"`
			} `json:"entries"`
		}
		json.Unmarshal(rec.Body.Bytes(), &out)
		return raw, &out
	}
	_, before := get(http.StatusOK)
	if len(before.Commitment) != 64 || before.Seed != nil || len(before.Entries) != 0 {
		t.Errorf("before the draw = %+v", before)
	}
	store.Now = func() time.Time { return now.Add(2 * time.Hour) }
	if _, err := store.DrawLottery(ctx, id); err != nil {
		t.Fatal(err)
	}
	_, after := get(http.StatusOK)
	if after.Seed == nil || len(after.Entries) != 2 || after.Entries[0].Won == after.Entries[1].Won {
		t.Errorf("after the draw = %+v", after)
	}
	for _, e := range after.Entries {
		if !strings.Contains(e.Name, "*") {
			t.Errorf("name %q is not masked", e.Name)
		}
	}
	rec := call(t, h, "GET", path("/api/v1/activities/%d/lottery", f.Open), "", "", http.StatusNotFound, nil)
	if !strings.Contains(rec.Body.String(), culture.ReasonNotLottery) {
		t.Errorf("first-come activity: %s", rec.Body)
	}
}
