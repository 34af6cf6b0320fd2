package sqlstore_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"

	"github.com/wenyun/wenyun/internal/sqlstore"
)

func TestSessionStore(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		clock := accountFakeClock(s)
		ss := s.SessionStore()
		find := func(t *testing.T, token string) ([]byte, bool) {
			t.Helper()
			b, found, err := ss.FindCtx(t.Context(), token)
			if err != nil {
				t.Fatal(err)
			}
			return b, found
		}
		t.Run("CommitFind", func(t *testing.T) {
			if err := ss.CommitCtx(t.Context(), "tok1", []byte("v1\x00\xff"), clock.Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
			if b, found := find(t, "tok1"); !found || !bytes.Equal(b, []byte("v1\x00\xff")) {
				t.Errorf("Find = %q, %v; want the committed bytes", b, found)
			}
		})
		t.Run("Overwrite", func(t *testing.T) {
			if err := ss.Commit("tok1", []byte("v2"), clock.Add(2*time.Hour)); err != nil {
				t.Fatal(err)
			}
			if b, found, err := ss.Find("tok1"); err != nil || !found || string(b) != "v2" {
				t.Errorf("Find = %q, %v, %v; want v2", b, found, err)
			}
		})
		t.Run("NotFound", func(t *testing.T) {
			if b, found := find(t, "nope"); found || b != nil {
				t.Errorf("Find = %q, %v; want nothing", b, found)
			}
		})
		t.Run("Expired", func(t *testing.T) {
			if err := ss.CommitCtx(t.Context(), "tok2", []byte("x"), clock.Add(time.Minute)); err != nil {
				t.Fatal(err)
			}
			*clock = clock.Add(time.Minute - time.Second)
			if _, found := find(t, "tok2"); !found {
				t.Error("found = false a second before expiry")
			}
			*clock = clock.Add(time.Second)
			if _, found := find(t, "tok2"); found {
				t.Error("found = true at expiry")
			}
		})
		t.Run("Cleanup", func(t *testing.T) {
			n, err := ss.Cleanup(t.Context())
			if err != nil || n != 1 {
				t.Errorf("Cleanup = %d, %v; want 1 (tok2)", n, err)
			}
			if _, found := find(t, "tok1"); !found {
				t.Error("Cleanup removed a live session")
			}
		})
		t.Run("Delete", func(t *testing.T) {
			if err := ss.Delete("tok1"); err != nil {
				t.Fatal(err)
			}
			if _, found := find(t, "tok1"); found {
				t.Error("found after Delete")
			}
			if err := ss.DeleteCtx(t.Context(), "never-was"); err != nil {
				t.Errorf("Delete of an unknown token: %v", err)
			}
		})
	})
}

// TestSessionStoreManager runs a real scs.SessionManager on the store: a
// value put in one request is read back in the next through the cookie.
func TestSessionStoreManager(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		sm := scs.New()
		sm.Store = s.SessionStore()
		mux := http.NewServeMux()
		mux.HandleFunc("/put", func(w http.ResponseWriter, r *http.Request) { sm.Put(r.Context(), "name", "文云") })
		mux.HandleFunc("/get", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, sm.GetString(r.Context(), "name")) })
		srv := httptest.NewServer(sm.LoadAndSave(mux))
		defer srv.Close()

		res, err := srv.Client().Get(srv.URL + "/put")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		req, _ := http.NewRequestWithContext(t.Context(), "GET", srv.URL+"/get", nil)
		for _, c := range res.Cookies() {
			req.AddCookie(c)
		}
		res, err = srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		if body, _ := io.ReadAll(res.Body); string(body) != "文云" {
			t.Errorf("session value = %q, want 文云", body)
		}
	})
}
