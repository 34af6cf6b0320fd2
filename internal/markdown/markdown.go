// Package markdown renders the Markdown staff write (news bodies) as HTML
// that is safe to show: goldmark turns it into HTML without passing any
// raw HTML through, a transformer drops links and images that may not
// appear, and bluemonday's UGC policy sanitises the result.
package markdown

import (
	"bytes"
	"html/template"
	"net/url"
	"regexp"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/renderer/html"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// linkRel is what every link carries: search engines get no endorsement
// and the target page no handle on ours.
const linkRel = "nofollow noopener"

// mediaPath is the only image source allowed: an uploaded image.
var mediaPath = regexp.MustCompile(`^/media/[1-9][0-9]{0,18}$`)

var (
	// md leaves raw HTML out (no html.WithUnsafe): "<script>" in the
	// source never reaches the output as a tag. Hard wraps keep the line
	// breaks staff type, as Chinese text has no spaces to join lines with.
	md = goldmark.New(
		goldmark.WithExtensions(extension.Linkify, extension.Strikethrough, extension.Table),
		goldmark.WithParserOptions(parser.WithASTTransformers(util.Prioritized(guard{}, 1000))),
		goldmark.WithRendererOptions(html.WithHardWraps()),
	)
	policy = newPolicy()
)

// newPolicy is bluemonday's UGC policy (no scripts, styles, event
// attributes, iframes or forms; http, https, mailto and relative URLs
// only) with link rel kept as guard sets it and image sources limited to
// /media/ paths: a second line should the transformer miss something.
func newPolicy() *bluemonday.Policy {
	p := bluemonday.UGCPolicy()
	p.AllowAttrs("rel").Matching(regexp.MustCompile(`^` + linkRel + `$`)).OnElements("a")
	p.RewriteSrc(func(u *url.URL) {
		if !mediaPath.MatchString(u.String()) {
			*u = url.URL{}
		}
	})
	return p
}

// Render turns Markdown into sanitised HTML.
func Render(src string) template.HTML {
	var buf bytes.Buffer
	if err := md.Convert([]byte(src), &buf); err != nil {
		// Converting into a buffer does not fail; should it, show the
		// text itself, escaped.
		return template.HTML("<p>" + template.HTMLEscapeString(src) + "</p>")
	}
	return template.HTML(policy.SanitizeBytes(buf.Bytes()))
}

// guard edits the parsed document before rendering: h1 becomes h2 (the
// page's title is its only h1), links get linkRel or, when
// their URL is not allowed, become plain text, images not from /media/
// become their alt text, and raw HTML is dropped.
type guard struct{}

// Transform implements parser.ASTTransformer.
func (guard) Transform(doc *ast.Document, reader text.Reader, _ parser.Context) {
	src := reader.Source()
	var edits []func()
	ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if entering {
			if edit := guardNode(n, src); edit != nil {
				edits = append(edits, edit)
			}
		}
		return ast.WalkContinue, nil
	})
	// The tree changes only after the walk, which must not see it change.
	for _, edit := range edits {
		edit()
	}
}

// guardNode returns the change n needs, or nil.
func guardNode(n ast.Node, src []byte) func() {
	switch n := n.(type) {
	case *ast.Heading:
		n.Level = max(n.Level, 2)
	case *ast.Link:
		if !linkAllowed(n.Destination) {
			return func() { unwrap(n) }
		}
		n.SetAttributeString("rel", []byte(linkRel))
	case *ast.AutoLink:
		if !linkAllowed(n.URL(src)) {
			return func() { n.Parent().ReplaceChild(n.Parent(), n, ast.NewString(n.Label(src))) }
		}
		n.SetAttributeString("rel", []byte(linkRel))
	case *ast.Image:
		if !mediaPath.Match(asRendered(n.Destination)) {
			return func() { unwrap(n) }
		}
	case *ast.RawHTML, *ast.HTMLBlock:
		return func() { n.Parent().RemoveChild(n.Parent(), n) }
	}
	return nil
}

// linkAllowed reports whether a link may point at dest: http, https,
// mailto, or a relative URL. Anything unparsable (control characters
// hiding "javascript:") is refused.
func linkAllowed(dest []byte) bool {
	u, err := url.Parse(string(asRendered(dest)))
	if err != nil {
		return false
	}
	switch u.Scheme { // url.Parse lower-cases it
	case "", "http", "https", "mailto":
		return true
	}
	return false
}

// asRendered returns a destination as the renderer writes it: entities
// ("jav&#x61;script:") resolved, then percent-escaped. Checking the raw
// source instead would let an entity hide the scheme.
func asRendered(dest []byte) []byte {
	return bytes.TrimSpace(util.URLEscape(dest, true))
}

// unwrap puts n's children where n was and removes n: a refused link keeps
// its text, a refused image its alt text.
func unwrap(n ast.Node) {
	parent := n.Parent()
	for c := n.FirstChild(); c != nil; {
		next := c.NextSibling()
		parent.InsertBefore(parent, n, c)
		c = next
	}
	parent.RemoveChild(parent, n)
}
