package webhook_test

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"

	"github.com/wenyun/wenyun/internal/culture"
	"github.com/wenyun/wenyun/internal/webhook"
)

// selfIPs are the addresses wenyun.example.cn resolves to: those of a
// proxy in front of the server.
var selfIPs = []string{"47.92.1.2", "2408:4000::1"}

// stubResolver answers lookups from a table and counts them.
type stubResolver struct {
	mu      sync.Mutex
	answers map[string][]netip.Addr
	err     error
	calls   int
}

func newStubResolver(host string, ips ...string) *stubResolver {
	r := &stubResolver{answers: map[string][]netip.Addr{}}
	r.set(host, ips...)
	return r
}

func (r *stubResolver) set(host string, ips ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.answers[host] = nil
	for _, ip := range ips {
		r.answers[host] = append(r.answers[host], netip.MustParseAddr(ip))
	}
}

func (r *stubResolver) fail(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.err = err
}

func (r *stubResolver) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.calls
}

func (r *stubResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls++
	if r.err != nil {
		return nil, r.err
	}
	if ips, ok := r.answers[host]; ok {
		return ips, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

// newGuard returns a guard for a server at https://wenyun.example.cn
// (which resolves to selfIPs) listening on every address at port 8080
// and on 10.0.0.5:9443.
func newGuard(t *testing.T, allowPrivate bool) *webhook.Guard {
	t.Helper()
	g := webhook.NewGuard(allowPrivate)
	g.SetResolver(newStubResolver("wenyun.example.cn", selfIPs...))
	for _, err := range []error{g.AddSelfURL("https://wenyun.example.cn"), g.AddListener(":8080"), g.AddListener("10.0.0.5:9443")} {
		if err != nil {
			t.Fatal(err)
		}
	}
	return g
}

func TestGuardCheckURL(t *testing.T) {
	const (
		ok      = ""
		self    = "本系统自身"
		private = "内网或保留地址"
	)
	for _, tc := range []struct {
		name, url     string
		want, private string // want without private addresses, and with them
	}{
		{"OKHTTPS", "https://gateway.example.com/hooks/wenyun?x=1", ok, ok},
		{"OKHTTPPort", "http://gateway.example.com:8081/hook", ok, ok},
		{"OKPublicIP", "http://93.184.216.34/hook", ok, ok},
		{"OKPublicIPv6", "http://[2606:2800:220:1::1]/hook", ok, ok},
		{"ErrFTP", "ftp://gateway.example.com/hook", "http:// 或 https://", "http:// 或 https://"},
		{"ErrJavaScript", "javascript:alert(1)", "格式不正确", "格式不正确"},
		{"ErrNoScheme", "gateway.example.com/hook", "http:// 或 https://", "http:// 或 https://"},
		{"ErrUserinfo", "http://user:pw@gateway.example.com/hook", "用户名或密码", "用户名或密码"},
		{"ErrUser", "http://user@gateway.example.com/hook", "用户名或密码", "用户名或密码"},
		{"ErrNoHost", "http:///hook", "缺少主机名", "缺少主机名"},
		{"ErrPortOnly", "http://:8081/hook", "缺少主机名", "缺少主机名"},
		{"ErrFragment", "https://gateway.example.com/hook#x", "片段", "片段"},
		{"ErrEmptyFragment", "https://gateway.example.com/hook#", "片段", "片段"},
		{"ErrSpace", "https://gateway.example.com/ho ok", "空格", "空格"},
		{"ErrEmpty", " ", "请填写", "请填写"},
		{"ErrLong", "https://gateway.example.com/" + strings.Repeat("a", 2000), "不能超过 2000 个字符", "不能超过 2000 个字符"},
		{"ErrPortZero", "https://gateway.example.com:0/", "端口", "端口"},
		{"ErrPortBig", "https://gateway.example.com:65536/", "端口", "端口"},
		{"ErrPublicURL", "https://wenyun.example.cn/api/v1/hook", self, self},
		{"ErrPublicURLCase", "https://WENYUN.Example.CN.:443/x", self, self},
		{"ErrListenPort", "http://127.0.0.1:8080/hook", self, self},
		{"ErrListenLocalhost", "http://localhost:8080/hook", self, self},
		{"ErrListenSubLocalhost", "http://app.localhost:8080/hook", self, self},
		{"ErrListenIPv6", "http://[::1]:8080/hook", self, self},
		{"ErrListenMapped", "http://[::ffff:127.0.0.1]:8080/hook", self, self},
		{"ErrListenUnspecified", "http://0.0.0.0:8080/hook", self, self},
		{"ErrListenOtherLoopback", "http://127.0.0.2:8080/hook", self, self},
		{"ErrListenAddr", "https://10.0.0.5:9443/hook", self, self},
		{"ErrLoopback", "http://127.0.0.1:9000/hook", private, ok},
		{"ErrLocalhost", "http://localhost:9000/hook", private, ok},
		{"ErrPrivate10", "http://10.1.2.3/hook", private, ok},
		{"ErrPrivate192", "http://192.168.1.10/hook", private, ok},
		{"ErrPrivate172", "http://172.16.0.1/hook", private, ok},
		{"ErrMetadata", "http://169.254.169.254/latest/meta-data", private, ok},
		{"ErrUnspecified", "http://0.0.0.0:9000/", private, ok},
		{"ErrCGNAT", "http://100.64.0.1/", private, ok},
		{"ErrULA", "http://[fd00::1]/", private, ok},
		{"ErrLinkLocal6", "http://[fe80::1]/", private, ok},
		{"ErrOtherPortOfListenAddr", "https://10.0.0.5:9000/hook", private, ok},
		// The public URL's host resolves to these: behind a proxy, the
		// proxy is the server itself at the public port.
		{"ErrPublicURLIP", "https://47.92.1.2/api/v1/hook", self, self},
		{"ErrPublicURLIPv6", "https://[2408:4000::1]:443/hook", self, self},
		{"OKPublicURLIPOtherPort", "http://47.92.1.2/hook", ok, ok},
		{"ErrPublicURLFullwidth", "https://ｗｅｎｙｕｎ。example。cn/hook", self, self},
		{"ErrLocalhostFullwidth", "http://ｌｏｃａｌｈｏｓｔ:8080/hook", self, self},
		// IPv4 written as a number, in hex or octal, or shortened: what
		// resolvers accept, refused outright.
		{"ErrDecimalIPv4", "http://2130706433/hook", "四段十进制", "四段十进制"},
		{"ErrShortIPv4", "http://127.1/hook", "四段十进制", "四段十进制"},
		{"ErrHexIPv4", "http://0x7f.1/hook", "四段十进制", "四段十进制"},
		{"ErrHexWholeIPv4", "http://0x7f000001/hook", "四段十进制", "四段十进制"},
		{"ErrOctalIPv4", "http://0177.0.0.1/hook", "四段十进制", "四段十进制"},
		{"ErrNumericLastLabel", "http://gateway.example.123/hook", "四段十进制", "四段十进制"},
		{"ErrIPv6Zone", "http://[fe80::1%25eth0]/hook", "IPv6", "IPv6"},
		{"ErrZeroWidthHost", "https://gate\u200bway.example.com/hook", "零宽字符", "零宽字符"},
		{"ErrZeroWidthJoiner", "https://gate\u200dway.example.com/hook", "零宽字符", "零宽字符"},
		{"ErrBadPunycode", "https://xn--abc-.example.com/hook", "域名无效", "域名无效"},
		{"ErrBadPunycode2", "https://xn--zz.example.com/hook", "域名无效", "域名无效"},
		{"ErrEmptyLabel", "https://gateway..example.com/hook", "域名无效", "域名无效"},
		{"ErrUnderscore", "https://gate_way.example.com/hook", "域名无效", "域名无效"},
		{"ErrLongLabel", "https://" + strings.Repeat("a", 300) + ".example.com/hook", "域名过长", "域名过长"},
		{"ErrLongHost", "https://" + strings.Repeat("abcdefghi.", 26) + "cn/hook", "域名过长", "域名过长"},
		{"OKIDN", "https://例子.中国/hook", ok, ok},
		{"OKPunycode", "https://xn--fsqu00a.xn--fiqs8s/hook", ok, ok},
		{"OKTrailingDot", "https://gateway.example.com./hook", ok, ok},
		{"OKDigitsInName", "https://123.example.com/hook", ok, ok},
		// The limit counts characters, as its message says: 1900 Chinese
		// characters are 5700 bytes.
		{"OKLongChinesePath", "https://gateway.example.com/" + strings.Repeat("文", 1900), ok, ok},
		{"ErrLongChinesePath", "https://gateway.example.com/" + strings.Repeat("文", 2000), "不能超过 2000 个字符", "不能超过 2000 个字符"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for allow, want := range map[bool]string{false: tc.want, true: tc.private} {
				err := newGuard(t, allow).CheckURL(tc.url)
				switch {
				case want == ok && err != nil:
					t.Errorf("allowPrivate=%t: CheckURL(%q) = %v, want nil", allow, tc.url, err)
				case want != ok && (culture.ErrorCode(err) != culture.EINVALID || !strings.Contains(culture.ErrorMessage(err), want)):
					t.Errorf("allowPrivate=%t: CheckURL(%q) = %v, want EINVALID with %q", allow, tc.url, err, want)
				}
			}
		})
	}
}

func TestGuardControl(t *testing.T) {
	for _, tc := range []struct {
		addr                    string
		refused, refusedPrivate bool // refused without private addresses, and with them
	}{
		{"93.184.216.34:443", false, false},
		{"[2606:2800:220:1::1]:443", false, false},
		{"127.0.0.1:9000", true, false},
		{"10.0.0.7:80", true, false},
		{"[::1]:9000", true, false},
		{"169.254.169.254:80", true, false},
		{"127.0.0.1:8080", true, true},
		{"[::1]:8080", true, true},
		{"[::ffff:127.0.0.1]:8080", true, true},
		{"0.0.0.0:8080", true, true},
		{"10.0.0.5:9443", true, true},
		{"47.92.1.2:443", true, true}, // the public URL's host, resolved
		{"[2408:4000::1]:443", true, true},
		{"[::ffff:47.92.1.2]:443", true, true},
		{"47.92.1.2:80", false, false},
		{"[::7f00:1]:9000", true, false},
	} {
		for allow, want := range map[bool]bool{false: tc.refused, true: tc.refusedPrivate} {
			err := newGuard(t, allow).Control("tcp", tc.addr, nil)
			var de *webhook.DialError
			if got := errors.As(err, &de); got != want {
				t.Errorf("allowPrivate=%t: Control(%s) = %v, refused want %t", allow, tc.addr, err, want)
			}
		}
	}
}

func TestPublicIP(t *testing.T) {
	for addr, want := range map[string]bool{
		"8.8.8.8": true, "93.184.216.34": true, "2606:2800:220:1::1": true, "::ffff:8.8.8.8": true,
		"127.0.0.1": false, "10.0.0.1": false, "172.31.255.255": false, "192.168.0.1": false, "169.254.1.1": false,
		"100.64.0.1": false, "0.0.0.0": false, "0.1.2.3": false, "224.0.0.1": false, "255.255.255.255": false,
		"192.0.2.1": false, "198.18.0.1": false, "::": false, "::1": false, "fc00::1": false, "fe80::1": false,
		"ff02::1": false, "64:ff9b::7f00:1": false, "2002:7f00:1::": false, "2001:db8::1": false, "::ffff:127.0.0.1": false,
		// IPv4-compatible (::a.b.c.d) and IPv4-translated (::ffff:0:a.b.c.d)
		// forms, and the deprecated site-local range.
		"::7f00:1": false, "::a9fe:a9fe": false, "::ffff:0:7f00:1": false, "::808:808": false, "fec0::1": false,
		"feff::1": false, "2408:4000::1": true,
	} {
		if got := webhook.PublicIP(netip.MustParseAddr(addr)); got != want {
			t.Errorf("PublicIP(%s) = %t, want %t", addr, got, want)
		}
	}
}

// TestGuardInternationalSelf: a public URL with an internationalised
// host is the server itself however a receiver URL writes that host.
func TestGuardInternationalSelf(t *testing.T) {
	g := webhook.NewGuard(true)
	g.SetResolver(newStubResolver("none"))
	if err := g.AddSelfURL("https://文化云.中国"); err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"https://文化云.中国/hook", "https://xn--9kqy3iwyt.xn--fiqs8s/hook", "https://XN--9KQY3IWYT.xn--fiqs8s/hook", "https://文化云。中国/hook"} {
		if err := g.CheckURL(u); !strings.Contains(culture.ErrorMessage(err), "本系统自身") {
			t.Errorf("CheckURL(%q) = %v, want the server itself", u, err)
		}
	}
}
