package web

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// announceKeyRE finds the announcement form's hidden key: 26 base32
// characters from crypto/rand.
var announceKeyRE = regexp.MustCompile(`<input type="hidden" name="idempotency_key" value="([A-Z2-7]{26})">`)

// formKey reads the announcement form's key from a console page.
func formKey(t *testing.T, body string) string {
	t.Helper()
	m := announceKeyRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no form key in the page:\n%s", excerpt(body))
	}
	return m[1]
}

// Submitting the same announcement form twice (a double click, a resend
// after a slow answer) posts once and notifies each member once; a form
// shown again gets a new key and posts anew.
func TestConsoleAnnouncementDoubleSubmit(t *testing.T) {
	ts := newCommunityServer(t)
	ts.join(t, ts.Resident, ts.Jiaoxi)
	ts.join(t, ts.Other, ts.Jiaoxi)
	c := ts.client(t, ts.BranchAdmin)
	page := idPath("/console/communities/%d", ts.Jiaoxi.ID)
	key := formKey(t, ts.get(t, c, page).Body)
	form := url.Values{"title": {"国画班报名"}, "body": {"周六上午九点"}, "idempotency_key": {key}}
	for i, flash := range []string{"已发布公告“国画班报名”", "公告“国画班报名”已发布过，没有重复发布或通知。"} {
		res := ts.post(t, c, page+"/announcements", form)
		if res.Status != http.StatusSeeOther {
			t.Fatalf("post %d: %d\n%s", i+1, res.Status, excerpt(res.Body))
		}
		next := ts.get(t, c, res.Location)
		if !strings.Contains(next.Body, flash) {
			t.Errorf("post %d: page lacks %q", i+1, flash)
		}
		if formKey(t, next.Body) == key {
			t.Errorf("post %d: the form shown again reuses the spent key", i+1)
		}
	}
	where := fmt.Sprintf("kind = 'announcement' AND account_id IN (%d, %d)", ts.Resident.ID, ts.Other.ID)
	if n, m := ts.countRows(t, "announcements", "1 = 1"), ts.countRows(t, "notifications", where); n != 1 || m != 2 {
		t.Errorf("%d announcements, %d notifications; want 1 and one per member", n, m)
	}
	form.Set("idempotency_key", formKey(t, ts.get(t, c, page).Body))
	if res := ts.post(t, c, page+"/announcements", form); res.Status != http.StatusSeeOther {
		t.Fatalf("post with a new key: %d", res.Status)
	}
	if n := ts.countRows(t, "announcements", "1 = 1"); n != 2 {
		t.Errorf("%d announcements after a new form, want 2", n)
	}
}

// A refused form keeps its key, so that the corrected form posts once; a
// tampered key is refused with a message and a fresh key, posting nothing.
func TestConsoleAnnouncementKeyRefused(t *testing.T) {
	ts := newCommunityServer(t)
	c := ts.client(t, ts.BranchAdmin)
	post := idPath("/console/communities/%d/announcements", ts.Jiaoxi.ID)
	key := formKey(t, ts.get(t, c, idPath("/console/communities/%d", ts.Jiaoxi.ID)).Body)
	res := ts.post(t, c, post, url.Values{"title": {""}, "body": {"内容"}, "idempotency_key": {key}})
	if res.Status != http.StatusUnprocessableEntity || formKey(t, res.Body) != key {
		t.Errorf("refused form: %d, key kept %t", res.Status, strings.Contains(res.Body, key))
	}
	for _, bad := range []string{"有 空格", strings.Repeat("K", 101)} {
		res := ts.post(t, c, post, url.Values{"title": {"通知"}, "body": {"内容"}, "idempotency_key": {bad}})
		if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "表单已失效，请核对内容后重新提交。") {
			t.Errorf("key %q: %d\n%s", bad, res.Status, excerpt(res.Body))
		}
		if formKey(t, res.Body) == key {
			t.Errorf("key %q: the page reuses an old key", bad)
		}
	}
	if n := ts.countRows(t, "announcements", "1 = 1"); n != 0 {
		t.Errorf("%d announcements stored", n)
	}
}
