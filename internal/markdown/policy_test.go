package markdown

import (
	"strings"
	"testing"
)

// TestPolicy checks the sanitiser on its own, as the second line behind
// guard: HTML that guard would never let goldmark write still comes out
// inert.
func TestPolicy(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"ExternalImageBlanked", `<img src="https://evil.example/x.png" alt="x">`, `<img src="" alt="x">`},
		{"MediaImageKept", `<img src="/media/3" alt="x">`, `<img src="/media/3" alt="x">`},
		{"Script", `<script>alert(1)</script>好`, `好`},
		{"JavascriptHref", `<a href="javascript:alert(1)">x</a>`, `x`},
		{"OtherRelReplaced", `<a href="/a" rel="opener">x</a>`, `<a href="/a" rel="nofollow">x</a>`},
		{"GuardRelKept", `<a href="/a" rel="nofollow noopener">x</a>`, `<a href="/a" rel="nofollow noopener">x</a>`},
		{"Style", `<p style="color:red" onclick="x()">红</p>`, `<p>红</p>`},
		{"Iframe", `<iframe src="https://evil.example"></iframe>`, ``},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := strings.TrimSpace(policy.Sanitize(tc.in)); got != tc.want {
				t.Errorf("Sanitize(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}
