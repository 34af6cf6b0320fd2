package markdown_test

import (
	"net/url"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/wenyun/wenyun/internal/markdown"
)

// tagAttrs lists the elements Render may produce and the attributes each
// may carry; anything else could run script, load from elsewhere or style
// the page.
var tagAttrs = map[string][]string{
	"p": nil, "br": nil, "h2": nil, "h3": nil, "h4": nil, "h5": nil, "h6": nil, "hr": nil,
	"strong": nil, "em": nil, "del": nil, "code": nil, "pre": nil, "blockquote": nil,
	"ul": nil, "ol": {"start"}, "li": nil, "table": nil, "thead": nil, "tbody": nil, "tr": nil,
	"th": {"align"}, "td": {"align"}, "a": {"href", "rel", "title"}, "img": {"src", "alt", "title"},
}

var mediaSrc = regexp.MustCompile(`^/media/[0-9]+$`)

// checkInert parses out as a browser would and checks every tag and
// attribute against tagAttrs, every link's scheme and rel, and every
// image's source.
func checkInert(t *testing.T, out string) {
	t.Helper()
	z := html.NewTokenizer(strings.NewReader(out))
	for tt := z.Next(); tt != html.ErrorToken; tt = z.Next() {
		tok := z.Token()
		switch tt {
		case html.CommentToken, html.DoctypeToken:
			t.Errorf("%s passed through: %q", tt, tok.Data)
		case html.StartTagToken, html.SelfClosingTagToken:
			checkTag(t, tok)
		}
	}
}

func checkTag(t *testing.T, tok html.Token) {
	t.Helper()
	allowed, ok := tagAttrs[tok.Data]
	if !ok {
		t.Errorf("element <%s> in the output", tok.Data)
	}
	for _, a := range tok.Attr {
		switch {
		case !strings.Contains(" "+strings.Join(allowed, " ")+" ", " "+a.Key+" "):
			t.Errorf("attribute %s=%q on <%s>", a.Key, a.Val, tok.Data)
		case a.Key == "href" && !safeHref(a.Val):
			t.Errorf("link to %q", a.Val)
		case a.Key == "rel" && a.Val != "nofollow noopener":
			t.Errorf("rel=%q", a.Val)
		case a.Key == "src" && !mediaSrc.MatchString(a.Val):
			t.Errorf("image from %q", a.Val)
		}
	}
	if tok.Data == "a" && attr(tok, "rel") != "nofollow noopener" {
		t.Errorf("link without rel=\"nofollow noopener\": %v", tok)
	}
	if tok.Data == "img" && !mediaSrc.MatchString(attr(tok, "src")) {
		t.Errorf("image without a /media/ source: %v", tok)
	}
}

func safeHref(v string) bool {
	u, err := url.Parse(v)
	return err == nil && (u.Scheme == "" || u.Scheme == "http" || u.Scheme == "https" || u.Scheme == "mailto")
}

func attr(tok html.Token, key string) string {
	for _, a := range tok.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func TestRender(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		want      []string // must appear
		deny      []string // must not appear, besides unsafe
	}{
		{"OKNoH1", "# 标题\n## 小节\n### 细节", []string{"<h2>标题</h2>", "<h2>小节</h2>", "<h3>细节</h3>"}, []string{"<h1"}},
		{"OKHardWraps", "第一行\n第二行", []string{"第一行<br>\n第二行"}, nil},
		{"OKEmphasisListTable", "**重要** ~~取消~~\n\n- 甲\n- 乙\n\n| 时间 | 地点 |\n|---|---|\n| 周六 | 剧场 |",
			[]string{"<strong>重要</strong>", "<del>取消</del>", "<li>甲</li>", "<td>周六</td>"}, nil},
		{"OKHTTPSLink", "[报名](https://example.com/a?b=1)",
			[]string{`<a href="https://example.com/a?b=1" rel="nofollow noopener">报名</a>`}, nil},
		{"OKRelativeLink", "[活动](/activities/3)", []string{`<a href="/activities/3" rel="nofollow noopener">活动</a>`}, nil},
		{"OKMailto", "<wenhua@example.cn>", []string{`href="mailto:wenhua@example.cn" rel="nofollow noopener"`}, nil},
		{"OKLinkify", "详见 www.example.com", []string{`href="http://www.example.com" rel="nofollow noopener"`}, nil},
		{"OKMediaImage", "![演出现场](/media/7)", []string{`<img src="/media/7" alt="演出现场">`}, nil},

		{"ScriptBlock", "<script>alert(1)</script>", nil, []string{"alert"}},
		{"ScriptInline", "前<script>alert(1)</script>后", []string{"前", "后"}, nil},
		{"ScriptEntityEscaped", "&lt;script&gt;alert(1)&lt;/script&gt;", []string{"&lt;script&gt;"}, nil},
		{"ScriptInCode", "`<script>` 和\n\n```\n<script>x()</script>\n```", []string{"<code>&lt;script&gt;</code>"}, nil},
		{"JavascriptLink", "[点我](javascript:alert(1))", []string{"<p>点我</p>"}, []string{"<a"}},
		{"JavascriptLinkMixedCase", "[点我](JaVaScRiPt:alert(1))", []string{"点我"}, []string{"<a"}},
		{"JavascriptLinkHexEntity", "[点我](jav&#x61;script:alert(1))", []string{"点我"}, []string{"<a"}},
		{"JavascriptLinkDecimalEntity", "[点我](&#106;avascript:alert(1))", []string{"点我"}, []string{"<a"}},
		{"JavascriptLinkNamedEntity", "[点我](javascript&colon;alert(1))", []string{"点我"}, []string{"<a"}},
		{"JavascriptLinkTab", "[点我](<java\tscript:alert(1)>)", []string{"点我"}, []string{"<a"}},
		{"JavascriptAutolink", "<javascript:alert(1)>", nil, []string{"<a"}},
		{"JavascriptReferenceLink", "[点我][x]\n\n[x]: javascript:alert(1)", []string{"点我"}, []string{"<a"}},
		{"VBScriptLink", "[x](vbscript:msgbox(1))", nil, []string{"<a"}},
		{"DataURLLink", "[x](data:text/html;base64,PHNjcmlwdD4=)", nil, []string{"<a"}},
		{"FileLink", "[x](file:///etc/passwd)", nil, []string{"<a", "file:"}},
		{"DataURLImage", "![图](data:image/png;base64,iVBORw0KGgo=)", []string{"图"}, []string{"<img"}},
		{"ExternalImage", "![跟踪](https://evil.example/x.png)", []string{"跟踪"}, []string{"<img", "evil.example"}},
		{"ProtocolRelativeImage", "![x](//evil.example/x.png)", nil, []string{"<img", "evil.example"}},
		{"MediaLookalikeImage", "![x](/media/7/../../evil)", nil, []string{"<img"}},
		{"RawImgOnerror", `<img src=x onerror=alert(1)>`, nil, []string{"<img"}},
		{"InlineImgOnerror", `看<img src="/media/1" onerror="alert(1)">图`, []string{"看", "图"}, []string{"<img"}},
		{"RawAnchor", `<a href="javascript:alert(1)">x</a>`, []string{"x"}, []string{"<a"}},
		{"Iframe", `<iframe src="https://evil.example"></iframe>`, nil, []string{"evil.example"}},
		{"StyleAttribute", `<p style="position:fixed">红</p>`, nil, nil},
		{"StyleElement", "<style>body{display:none}</style>", nil, []string{"display"}},
		{"SVGOnload", `<svg onload=alert(1)>`, nil, []string{"alert"}},
		{"TitleBreakout", `[x](https://a.cn "t\" onmouseover=\"alert(1)")`, nil, nil},
		{"AttributeSyntaxIgnored", "# 标题 {onclick=alert(1)}", nil, nil},
		{"Comment", "<!-- <script>x</script> --> 文字", nil, []string{"<!--"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := string(markdown.Render(tc.src))
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("Render(%q) = %q, lacks %q", tc.src, got, w)
				}
			}
			for _, d := range tc.deny {
				if strings.Contains(got, d) {
					t.Errorf("Render(%q) = %q, contains %q", tc.src, got, d)
				}
			}
			checkInert(t, got)
		})
	}
}
