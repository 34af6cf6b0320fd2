package api

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"maps"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/getkin/kin-openapi/openapi3"
)

// The OpenAPI linter: kin-openapi (v0.153.0, which reads OpenAPI 3.1 and
// validates its schemas as JSON Schema 2020-12) loads the document, so
// every $ref must resolve, and validates it: the document's structure,
// every schema, and every example and default against its schema. Rules
// in the manner of Spectral's "oas" ruleset follow, which the library
// does not apply: see lintOperation and lintUnused.

// TestOpenAPILint lints openapi.json alone, then with each fragment
// merged in (so that a failure names the fragment at fault), then the
// whole document for what only the whole shows (a clash between
// fragments). The runs go in parallel: each validates every schema.
func TestOpenAPILint(t *testing.T) {
	fragments, err := fs.Glob(openAPIFiles, "openapi_*.json")
	if err != nil {
		t.Fatal(err)
	}
	runs := [][]string{{"openapi.json"}}
	for _, name := range fragments {
		runs = append(runs, []string{"openapi.json", name})
	}
	results := make([][]string, len(runs)+1)
	var wg sync.WaitGroup
	for i, names := range runs {
		wg.Go(func() { results[i] = lintFiles(names...) })
	}
	wg.Go(func() { results[len(runs)] = lintOpenAPI(context.Background(), openAPIDoc) })
	wg.Wait()
	base, seen := results[0], map[string]bool{}
	for i, names := range runs {
		for _, p := range results[i] {
			seen[p] = true
		}
		problems := results[i]
		if i > 0 {
			problems = lintWithout(problems, base)
		}
		t.Run(names[len(names)-1], func(t *testing.T) { reportLint(t, problems) })
	}
	t.Run("merged", func(t *testing.T) {
		reportLint(t, slices.DeleteFunc(results[len(runs)], func(p string) bool { return seen[p] }))
	})
}

// lintFiles merges the named files of openAPIFiles and lints the result.
func lintFiles(names ...string) []string {
	files := fstest.MapFS{}
	for _, name := range names {
		b, err := fs.ReadFile(openAPIFiles, name)
		if err != nil {
			return []string{err.Error()}
		}
		files[name] = &fstest.MapFile{Data: b}
	}
	doc, err := mergeOpenAPI(files)
	if err != nil {
		return []string{"merge: " + err.Error()}
	}
	return lintOpenAPI(context.Background(), doc)
}

func reportLint(t *testing.T, problems []string) {
	t.Helper()
	for _, p := range problems {
		t.Error(p)
	}
}

func lintWithout(list, drop []string) []string {
	var out []string
	for _, p := range list {
		if !slices.Contains(drop, p) {
			out = append(out, p)
		}
	}
	return out
}

// lintOpenAPI returns the problems of an OpenAPI 3.1 document, one line
// each, in a stable order.
func lintOpenAPI(ctx context.Context, raw []byte) []string {
	var tree map[string]any
	if err := json.Unmarshal(raw, &tree); err != nil {
		return []string{"not JSON: " + err.Error()}
	}
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(raw)
	if err != nil {
		return []string{"load (a $ref that does not resolve, or a malformed member): " + err.Error()}
	}
	opts := []openapi3.ValidationOption{openapi3.EnableMultiError()}
	if doc.IsOpenAPI31OrLater() {
		opts = append(opts, openapi3.IsOpenAPI31OrLater())
	}
	var problems []string
	if err := doc.Validate(ctx, opts...); err != nil {
		problems = append(problems, splitErrors(err)...)
	}
	problems = append(problems, lintTags(doc)...)
	ids := map[string]string{}
	for _, path := range slices.Sorted(maps.Keys(doc.Paths.Map())) {
		item := doc.Paths.Map()[path]
		for _, method := range slices.Sorted(maps.Keys(item.Operations())) {
			op := item.Operations()[method]
			name := method + " " + path
			if prev, dup := ids[op.OperationID]; dup && op.OperationID != "" {
				problems = append(problems, fmt.Sprintf("%s: operationId %q is also %s's", name, op.OperationID, prev))
			}
			ids[op.OperationID] = name
			secured := hasSecurity(tree, doc, path, strings.ToLower(method))
			for _, p := range lintOperation(doc, path, item, op, secured) {
				problems = append(problems, name+": "+p)
			}
		}
	}
	return append(problems, lintUnused(tree)...)
}

// splitErrors lists the errors of a kin-openapi MultiError, one line
// each and each once. A MultiError wrapped in context (the path and
// operation of an example) stays whole, so that the context shows.
func splitErrors(err error) []string {
	multi, ok := err.(openapi3.MultiError)
	if !ok {
		return []string{oneLine(err.Error())}
	}
	var out []string
	for _, e := range multi {
		for _, line := range splitErrors(e) {
			if !slices.Contains(out, line) {
				out = append(out, line)
			}
		}
	}
	return out
}

var spaces = regexp.MustCompile(`\s+`)

func oneLine(s string) string { return spaces.ReplaceAllString(s, " ") }

// lintTags: tags are declared once each, described, and used.
func lintTags(doc *openapi3.T) []string {
	var problems []string
	used := map[string]bool{}
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			for _, tag := range op.Tags {
				used[tag] = true
			}
		}
	}
	declared := map[string]bool{}
	for _, tag := range doc.Tags {
		switch {
		case declared[tag.Name]:
			problems = append(problems, fmt.Sprintf("tag %q is declared twice", tag.Name))
		case tag.Description == "":
			problems = append(problems, fmt.Sprintf("tag %q has no description", tag.Name))
		case !used[tag.Name]:
			problems = append(problems, fmt.Sprintf("tag %q is declared but no operation uses it", tag.Name))
		}
		declared[tag.Name] = true
	}
	return problems
}

var pathParam = regexp.MustCompile(`\{([^}]+)\}`)

// lintOperation applies the rules of one operation: operationId, summary,
// declared tags, path parameters, a JSON request schema, and the
// responses a client must expect.
func lintOperation(doc *openapi3.T, path string, item *openapi3.PathItem, op *openapi3.Operation, secured bool) []string {
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	if op.OperationID == "" {
		add("no operationId")
	}
	if strings.TrimSpace(op.Summary) == "" {
		add("no summary")
	}
	if len(op.Tags) == 0 {
		add("no tag")
	}
	for _, tag := range op.Tags {
		if doc.Tags.Get(tag) == nil {
			add("tag %q is not declared in the top-level tags", tag)
		}
	}
	params := append(slices.Clone(item.Parameters), op.Parameters...)
	problems = append(problems, lintPathParams(path, params)...)
	if op.RequestBody != nil && !jsonSchema(op.RequestBody.Value.Content) {
		add("the request body has no application/json schema")
	}
	return append(problems, lintResponses(op, params, secured)...)
}

// lintPathParams: every {name} of the path is declared, in: path and
// required, and nothing else is declared in: path.
func lintPathParams(path string, params openapi3.Parameters) []string {
	var problems []string
	inPath := map[string]bool{}
	for _, m := range pathParam.FindAllStringSubmatch(path, -1) {
		inPath[m[1]] = true
		p := params.GetByInAndName(openapi3.ParameterInPath, m[1])
		switch {
		case p == nil:
			problems = append(problems, fmt.Sprintf("path parameter %q is not declared", m[1]))
		case !p.Required:
			problems = append(problems, fmt.Sprintf("path parameter %q is not required", m[1]))
		}
	}
	for _, p := range params {
		if p.Value != nil && p.Value.In == openapi3.ParameterInPath && !inPath[p.Value.Name] {
			problems = append(problems, fmt.Sprintf("parameter %q is declared in: path but the path has no {%s}", p.Value.Name, p.Value.Name))
		}
	}
	return problems
}

// lintResponses: a 2xx; at least one 4xx unless the operation takes no
// input and needs no account (nothing a client sends can be wrong); 401
// when it needs an account; 404 with path parameters; 400 with query or
// header parameters or a body; 500; and a JSON schema for every JSON
// reply.
func lintResponses(op *openapi3.Operation, params openapi3.Parameters, secured bool) []string {
	var problems []string
	codes := map[string]bool{}
	var has2xx, has4xx bool
	for code, resp := range op.Responses.Map() {
		codes[code] = true
		has2xx = has2xx || strings.HasPrefix(code, "2")
		has4xx = has4xx || strings.HasPrefix(code, "4")
		if resp.Value != nil && len(resp.Value.Content) > 0 && !jsonSchema(resp.Value.Content) {
			problems = append(problems, fmt.Sprintf("response %s has no application/json schema", code))
		}
	}
	var inPath, inQuery bool
	for _, p := range params {
		if p.Value != nil {
			inPath = inPath || p.Value.In == openapi3.ParameterInPath
			inQuery = inQuery || p.Value.In != openapi3.ParameterInPath
		}
	}
	takesInput := inPath || inQuery || op.RequestBody != nil || secured
	for _, rule := range []struct {
		when bool
		why  string
	}{
		{!has2xx, "no 2xx response"},
		{!has4xx && takesInput, "no 4xx response"},
		{secured && !codes["401"], "needs an account but documents no 401"},
		{inPath && !codes["404"], "has path parameters but documents no 404"},
		{(inQuery || op.RequestBody != nil) && !codes["400"], "takes parameters or a body but documents no 400"},
		{!codes["500"], "documents no 500"},
	} {
		if rule.when {
			problems = append(problems, rule.why)
		}
	}
	return problems
}

// jsonSchema reports whether content has an application/json member with
// a schema.
func jsonSchema(content openapi3.Content) bool {
	mt := content.Get("application/json")
	return mt != nil && mt.Schema != nil
}

// hasSecurity reports whether the operation needs an account: its own
// security, else the document's, names a scheme. The operation must state
// its security itself ("security": [] when public), so that a reader
// never has to look elsewhere; a missing one is a problem reported here
// as secured (and so needing a 401) and by lintExplicitSecurity.
func hasSecurity(tree map[string]any, doc *openapi3.T, path, method string) bool {
	op, _ := dig(tree, "paths", path, method).(map[string]any)
	if sec, ok := op["security"].([]any); ok {
		return len(sec) > 0
	}
	return len(doc.Security) > 0
}

// dig follows keys through nested JSON objects.
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

// lintUnused: every operation states its security, each scheme it names
// is declared, and every component is reached from the paths (directly
// or through other components).
func lintUnused(tree map[string]any) []string {
	var problems []string
	schemes, _ := dig(tree, "components", "securitySchemes").(map[string]any)
	usedSchemes := map[string]bool{}
	for _, req := range securityLists(tree, &problems) {
		for name := range req {
			if schemes[name] == nil {
				problems = append(problems, fmt.Sprintf("security scheme %q is not declared", name))
			}
			usedSchemes[name] = true
		}
	}
	for _, name := range slices.Sorted(maps.Keys(schemes)) {
		if !usedSchemes[name] {
			problems = append(problems, fmt.Sprintf("unused component #/components/securitySchemes/%s", name))
		}
	}
	reached := reachable(tree)
	comps, _ := tree["components"].(map[string]any)
	for _, kind := range slices.Sorted(maps.Keys(comps)) {
		if kind == "securitySchemes" {
			continue
		}
		group, _ := comps[kind].(map[string]any)
		for _, name := range slices.Sorted(maps.Keys(group)) {
			if ref := "#/components/" + kind + "/" + name; !reached[ref] {
				problems = append(problems, "unused component "+ref)
			}
		}
	}
	return problems
}

// securityLists returns the document's and every operation's security
// requirements; an operation without its own "security" is a problem.
func securityLists(tree map[string]any, problems *[]string) []map[string]any {
	var reqs []map[string]any
	collect := func(list []any) {
		for _, r := range list {
			if m, ok := r.(map[string]any); ok {
				reqs = append(reqs, m)
			}
		}
	}
	top, _ := tree["security"].([]any)
	collect(top)
	paths, _ := tree["paths"].(map[string]any)
	for _, path := range slices.Sorted(maps.Keys(paths)) {
		item, _ := paths[path].(map[string]any)
		for _, method := range slices.Sorted(maps.Keys(item)) {
			op, ok := item[method].(map[string]any)
			if !ok || !slices.Contains(httpMethods, method) {
				continue
			}
			sec, ok := op["security"].([]any)
			if !ok {
				*problems = append(*problems, fmt.Sprintf("%s %s: does not state its security (\"security\": [] when public)", strings.ToUpper(method), path))
			}
			collect(sec)
		}
	}
	return reqs
}

// reachable returns the local $refs reached from everything outside
// components, following refs into components transitively.
func reachable(tree map[string]any) map[string]bool {
	reached := map[string]bool{}
	var todo []string
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if ref, ok := v["$ref"].(string); ok && !reached[ref] {
				reached[ref] = true
				todo = append(todo, ref)
			}
			for _, x := range v {
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	for key, v := range tree {
		if key != "components" {
			walk(v)
		}
	}
	for len(todo) > 0 {
		ref := todo[0]
		todo = todo[1:]
		walk(resolve(tree, ref))
	}
	return reached
}

// lintGood is a small document that passes every rule; the cases of
// TestOpenAPILintRules break it one way each.
const lintGood = `{
  "openapi": "3.1.0",
  "info": {"title": "t", "version": "1"},
  "security": [{"bearerAuth": []}],
  "tags": [{"name": "things", "description": "Things."}],
  "paths": {
    "/things": {
      "get": {
        "operationId": "listThings", "summary": "List things", "tags": ["things"], "security": [],
        "parameters": [{"name": "q", "in": "query", "schema": {"type": "string"}}],
        "responses": {
          "200": {"description": "The things.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Things"}}}},
          "400": {"$ref": "#/components/responses/Error"},
          "500": {"$ref": "#/components/responses/Error"}
        }
      },
      "post": {
        "operationId": "createThing", "summary": "Create a thing", "tags": ["things"], "security": [{"bearerAuth": []}],
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}},
        "responses": {
          "201": {"description": "Created.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}},
          "400": {"$ref": "#/components/responses/Error"},
          "401": {"$ref": "#/components/responses/Error"},
          "500": {"$ref": "#/components/responses/Error"}
        }
      }
    },
    "/things/{id}": {
      "get": {
        "operationId": "getThing", "summary": "Get a thing", "tags": ["things"], "security": [],
        "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}],
        "responses": {
          "200": {"description": "The thing.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}},
          "404": {"$ref": "#/components/responses/Error"},
          "500": {"$ref": "#/components/responses/Error"}
        }
      }
    }
  },
  "components": {
    "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
    "responses": {"Error": {"description": "An error.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}},
    "schemas": {
      "Error": {"type": "object", "required": ["message"], "properties": {"message": {"type": "string"}}},
      "Thing": {"type": "object", "required": ["id", "name"], "properties": {"id": {"type": "integer"}, "name": {"type": ["string", "null"]}},
        "example": {"id": 1, "name": "琴"}},
      "Things": {"type": "array", "items": {"$ref": "#/components/schemas/Thing"}}
    }
  }
}`

// TestOpenAPILintRules checks the linter itself: the good document passes
// and each broken copy is caught by the rule it breaks.
func TestOpenAPILintRules(t *testing.T) {
	ctx := context.Background()
	if problems := lintOpenAPI(ctx, []byte(lintGood)); len(problems) > 0 {
		t.Fatalf("the good document has problems:\n%s", strings.Join(problems, "\n"))
	}
	get := func(doc map[string]any) map[string]any { return dig(doc, "paths", "/things", "get").(map[string]any) }
	post := func(doc map[string]any) map[string]any { return dig(doc, "paths", "/things", "post").(map[string]any) }
	one := func(doc map[string]any) map[string]any {
		return dig(doc, "paths", "/things/{id}", "get").(map[string]any)
	}
	resp := func(op map[string]any) map[string]any { return op["responses"].(map[string]any) }
	schemas := func(doc map[string]any) map[string]any { return dig(doc, "components", "schemas").(map[string]any) }
	for _, tc := range []struct {
		name   string
		break_ func(doc map[string]any)
		want   string
	}{
		{"RefUnresolved", func(d map[string]any) {
			schemas(d)["Things"].(map[string]any)["items"] = map[string]any{"$ref": "#/components/schemas/Nope"}
		}, "load"},
		{"SchemaInvalid", func(d map[string]any) { schemas(d)["Error"].(map[string]any)["type"] = "text" }, `unsupported 'type' value "text"`},
		{"ExampleInvalid", func(d map[string]any) { schemas(d)["Thing"].(map[string]any)["example"] = map[string]any{"id": "one"} }, "invalid example"},
		{"ResponseUndescribed", func(d map[string]any) { delete(resp(one(d))["200"].(map[string]any), "description") }, "description"},
		{"OperationIDMissing", func(d map[string]any) { delete(get(d), "operationId") }, "GET /things: no operationId"},
		{"OperationIDTwice", func(d map[string]any) { one(d)["operationId"] = "listThings" }, `operationId "listThings" is also`},
		{"SummaryMissing", func(d map[string]any) { post(d)["summary"] = " " }, "POST /things: no summary"},
		{"TagMissing", func(d map[string]any) { delete(one(d), "tags") }, "GET /things/{id}: no tag"},
		{"TagUndeclared", func(d map[string]any) { one(d)["tags"] = []any{"stuff"} }, `tag "stuff" is not declared`},
		{"TagUnused", func(d map[string]any) {
			d["tags"] = append(d["tags"].([]any), map[string]any{"name": "idle", "description": "Idle."})
		}, `tag "idle" is declared but no operation uses it`},
		{"TagUndescribed", func(d map[string]any) { d["tags"].([]any)[0].(map[string]any)["description"] = "" }, `tag "things" has no description`},
		{"PathParamUndeclared", func(d map[string]any) { one(d)["parameters"] = []any{} }, `path parameter "id" is not declared`},
		{"PathParamNotRequired", func(d map[string]any) {
			one(d)["parameters"].([]any)[0].(map[string]any)["required"] = false
		}, `path parameter "id" is not required`},
		{"RequestBodyNotJSON", func(d map[string]any) {
			post(d)["requestBody"] = map[string]any{"content": map[string]any{"text/plain": map[string]any{"schema": map[string]any{"type": "string"}}}}
		}, "the request body has no application/json schema"},
		{"ResponseNotJSON", func(d map[string]any) {
			resp(get(d))["200"].(map[string]any)["content"] = map[string]any{"text/plain": map[string]any{}}
		}, "response 200 has no application/json schema"},
		{"No2xx", func(d map[string]any) { delete(resp(one(d)), "200") }, "GET /things/{id}: no 2xx response"},
		{"No4xx", func(d map[string]any) { delete(resp(one(d)), "404") }, "GET /things/{id}: no 4xx response"},
		{"No401", func(d map[string]any) { delete(resp(post(d)), "401") }, "POST /things: needs an account but documents no 401"},
		{"No401Inherited", func(d map[string]any) { delete(get(d), "security") }, "GET /things: needs an account but documents no 401"},
		{"SecurityUnstated", func(d map[string]any) { delete(get(d), "security") }, "GET /things: does not state its security"},
		{"SecuritySchemeUndeclared", func(d map[string]any) { post(d)["security"] = []any{map[string]any{"apiKey": []any{}}} }, `"apiKey"`},
		{"No404", func(d map[string]any) { resp(one(d))["400"] = resp(one(d))["404"]; delete(resp(one(d)), "404") }, "has path parameters but documents no 404"},
		{"No400", func(d map[string]any) { delete(resp(get(d)), "400"); resp(get(d))["404"] = resp(one(d))["404"] }, "GET /things: takes parameters or a body but documents no 400"},
		{"No500", func(d map[string]any) { delete(resp(one(d)), "500") }, "GET /things/{id}: documents no 500"},
		{"UnusedSchema", func(d map[string]any) { schemas(d)["Spare"] = map[string]any{"type": "string"} }, "unused component #/components/schemas/Spare"},
		{"UnusedScheme", func(d map[string]any) {
			dig(d, "components", "securitySchemes").(map[string]any)["basic"] = map[string]any{"type": "http", "scheme": "basic"}
		}, "unused component #/components/securitySchemes/basic"},
		{"UsedOnlyByUnused", func(d map[string]any) {
			schemas(d)["Spare"] = map[string]any{"$ref": "#/components/schemas/Lonely"}
			schemas(d)["Lonely"] = map[string]any{"type": "string"}
		}, "unused component #/components/schemas/Lonely"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var doc map[string]any
			if err := json.Unmarshal([]byte(lintGood), &doc); err != nil {
				t.Fatal(err)
			}
			tc.break_(doc)
			raw, err := json.Marshal(doc)
			if err != nil {
				t.Fatal(err)
			}
			problems := lintOpenAPI(ctx, raw)
			t.Log(strings.Join(problems, "\n"))
			if !slices.ContainsFunc(problems, func(p string) bool { return strings.Contains(p, tc.want) }) {
				t.Errorf("no problem mentions %q; got:\n%s", tc.want, strings.Join(problems, "\n"))
			}
		})
	}
}
