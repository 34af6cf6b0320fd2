package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// TestRepliesMatchOpenAPI sends one request per documented reply kind and
// checks that the status is documented for the operation and that the body
// conforms to the documented schema: required members present, no
// undocumented members, JSON types and enums as declared.
func TestRepliesMatchOpenAPI(t *testing.T) {
	t.Parallel()
	h, _, f := newTestAPI(t)
	var doc map[string]any
	call(t, h, "GET", "/api/v1/openapi.json", "", "", http.StatusOK, &doc)
	call(t, h, "POST", "/api/v1/auth/code", "", `{"phone":"13900000020"}`, http.StatusOK, nil)
	login := `{"phone":"13900000020","code":"` + f.SMS.code("13900000020") + `"}`
	booked := bookingReply{}
	tests := []struct {
		route, path, token, body string
		status                   int
		out                      any
	}{
		{"GET /units", "/api/v1/units", "", "", 200, nil},
		{"GET /activities", "/api/v1/activities?per_page=100", "", "", 200, nil},
		{"GET /activities", "/api/v1/activities?page=0", "", "", 400, nil},
		{"GET /activities/{id}", path("/api/v1/activities/%d", f.WalkIn), "", "", 200, nil},
		{"GET /activities/{id}", "/api/v1/activities/999", "", "", 404, nil},
		{"POST /activities", "/api/v1/activities", f.XiAdminToken, activityBody(f.Xi, ""), 201, nil},
		{"POST /activities", "/api/v1/activities", f.XiAdminToken, activityBody(f.Xi, `,"reserved_walkin":2,"reserved_community":1,"real_name":true`), 201, nil},
		{"POST /activities", "/api/v1/activities", f.XiAdminToken, activityBody(f.Xi, `,"reserve_release_at":"soon"`), 400, nil},
		{"POST /activities", "/api/v1/activities", f.NanAdminToken, activityBody(f.Xi, ""), 403, nil},
		{"POST /activities", "/api/v1/activities", "", activityBody(f.Xi, ""), 401, nil},
		{"POST /activities/{id}/bookings", bookingsPath(f.Open), f.AliceToken, `{"family_member_ids":[` + itoa(f.AliceChild) + `],"self":true}`, 201, &booked},
		{"POST /activities/{id}/bookings", bookingsPath(f.SoldOut), f.AliceToken, `{}`, 409, nil},
		{"POST /activities/{id}/bookings", bookingsPath(f.Open), f.AliceToken, `{`, 400, nil},
		{"POST /activities/{id}/bookings", bookingsPath(f.Open), f.AliceToken, strings.Repeat(" ", 70<<10), 413, nil},
		{"GET /bookings/{id}", path("/api/v1/bookings/%d", f.AliceBooking.ID), f.AliceToken, "", 200, nil},
		{"GET /me/bookings", "/api/v1/me/bookings", f.AliceToken, "", 200, nil},
		{"POST /checkins", "/api/v1/checkins", f.XiCheckerToken, `{"code":"` + f.AliceBooking.Code + `"}`, 200, nil},
		{"POST /checkins", "/api/v1/checkins", f.XiCheckerToken, `{"code":"` + f.BobNanBooking.Code + `"}`, 404, nil},
		{"GET /me", "/api/v1/me", f.XiAdminToken, "", 200, nil},
		{"GET /me", "/api/v1/me", f.AliceToken, "", 200, nil},
		{"GET /me/family", "/api/v1/me/family", f.AliceToken, "", 200, nil},
		{"POST /me/family", "/api/v1/me/family", f.AliceToken, `{"name":"外婆","relation":"祖父母","birth_year":1950}`, 201, nil},
		{"POST /auth/code", "/api/v1/auth/code", "", `{"phone":"13900000020"}`, 429, nil},
		{"POST /auth/token", "/api/v1/auth/token", "", login, 200, nil},
	}
	for _, tt := range tests {
		method, route, _ := strings.Cut(tt.route, " ")
		rec := call(t, h, method, tt.path, tt.token, tt.body, tt.status, tt.out)
		schema, err := replySchema(doc, route, strings.ToLower(method), tt.status)
		if err != nil {
			t.Errorf("%s %s: %v", method, tt.path, err)
			continue
		}
		var v any
		if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
			t.Fatalf("%s %s: %v", method, tt.path, err)
		}
		for _, problem := range conform(doc, schema, v, "$") {
			t.Errorf("%s %s %d: %s", method, tt.path, tt.status, problem)
		}
	}
	// The cancel reply, once a booking exists to cancel.
	rec := call(t, h, "POST", path("/api/v1/bookings/%d/cancel", booked.ID), f.AliceToken, "", 200, nil)
	schema, _ := replySchema(doc, "/bookings/{id}/cancel", "post", 200)
	var v any
	json.Unmarshal(rec.Body.Bytes(), &v)
	for _, problem := range conform(doc, schema, v, "$") {
		t.Errorf("cancel: %s", problem)
	}
}

// replySchema finds the JSON schema of an operation's reply with status.
func replySchema(doc map[string]any, route, method string, status int) (map[string]any, error) {
	op, _ := dig(doc, "paths", route, method).(map[string]any)
	if op == nil {
		return nil, fmt.Errorf("operation %s %s not documented", method, route)
	}
	resp, _ := deref(doc, dig(op, "responses", fmt.Sprint(status))).(map[string]any)
	if resp == nil {
		return nil, fmt.Errorf("status %d not documented", status)
	}
	schema, _ := deref(doc, dig(resp, "content", "application/json", "schema")).(map[string]any)
	if schema == nil {
		return nil, fmt.Errorf("status %d has no JSON schema", status)
	}
	return schema, nil
}

// conform lists how v departs from schema (the subset of JSON Schema the
// document uses: $ref, type, required, properties, additionalProperties,
// items, enum, const).
func conform(doc map[string]any, schema map[string]any, v any, at string) []string {
	schema, _ = deref(doc, schema).(map[string]any)
	if !typeMatches(schema["type"], v) {
		return []string{fmt.Sprintf("%s: %T does not match type %v", at, v, schema["type"])}
	}
	if enum, ok := schema["enum"].([]any); ok && !slices.Contains(enum, v) {
		return []string{fmt.Sprintf("%s: %v not in enum", at, v)}
	}
	if c, ok := schema["const"]; ok && c != v {
		return []string{fmt.Sprintf("%s: %v is not %v", at, v, c)}
	}
	switch v := v.(type) {
	case map[string]any:
		return conformObject(doc, schema, v, at)
	case []any:
		var problems []string
		if items, ok := schema["items"].(map[string]any); ok {
			for i, x := range v {
				problems = append(problems, conform(doc, items, x, fmt.Sprintf("%s[%d]", at, i))...)
			}
		}
		return problems
	}
	return nil
}

func conformObject(doc map[string]any, schema map[string]any, v map[string]any, at string) []string {
	var problems []string
	props, _ := schema["properties"].(map[string]any)
	required, _ := schema["required"].([]any)
	for _, name := range required {
		if _, ok := v[name.(string)]; !ok {
			problems = append(problems, fmt.Sprintf("%s: lacks required %q", at, name))
		}
	}
	for name, x := range v {
		sub, ok := props[name].(map[string]any)
		if !ok {
			problems = append(problems, fmt.Sprintf("%s: member %q is not documented", at, name))
			continue
		}
		problems = append(problems, conform(doc, sub, x, at+"."+name)...)
	}
	return problems
}

// typeMatches checks a JSON value against a "type" (a name or a list).
func typeMatches(typ any, v any) bool {
	if typ == nil {
		return true
	}
	names, ok := typ.([]any)
	if !ok {
		names = []any{typ}
	}
	for _, n := range names {
		switch x := v.(type) {
		case nil:
			ok = n == "null"
		case bool:
			ok = n == "boolean"
		case string:
			ok = n == "string"
		case float64:
			ok = n == "number" || (n == "integer" && x == float64(int64(x)))
		case []any:
			ok = n == "array"
		case map[string]any:
			ok = n == "object"
		}
		if ok {
			return true
		}
	}
	return false
}

// dig walks nested objects by keys.
func dig(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// deref follows a "$ref" to a local component.
func deref(doc map[string]any, v any) any {
	m, ok := v.(map[string]any)
	if !ok {
		return v
	}
	ref, ok := m["$ref"].(string)
	if !ok {
		return v
	}
	return deref(doc, dig(doc, strings.Split(strings.TrimPrefix(ref, "#/"), "/")...))
}
