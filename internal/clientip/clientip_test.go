package clientip

import (
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestResolverIP(t *testing.T) {
	trusted, err := Parse("10.0.0.0/8, 192.168.1.1, fd00::/8")
	if err != nil {
		t.Fatal(err)
	}
	r := New(trusted)
	tests := []struct {
		name   string
		peer   string
		xff    []string // X-Forwarded-For headers, in order
		want   string
		trusts *Resolver // default r
	}{
		{"NoProxy", "203.0.113.7:5555", nil, "203.0.113.7", nil},
		{"UntrustedPeerSpoofedXFF", "203.0.113.7:5555", []string{"1.2.3.4"}, "203.0.113.7", nil},
		{"TrustedPeerNoXFF", "10.0.0.2:5555", nil, "10.0.0.2", nil},
		{"TrustedPeer", "10.0.0.2:5555", []string{"198.51.100.9"}, "198.51.100.9", nil},
		{"TrustedPeerLastUntrustedHop", "10.0.0.2:5555", []string{"1.2.3.4, 198.51.100.9"}, "198.51.100.9", nil},
		{"ChainOfTrustedProxies", "10.0.0.2:5555", []string{"1.2.3.4, 198.51.100.9, 192.168.1.1, 10.9.9.9"}, "198.51.100.9", nil},
		{"SeveralHeaders", "10.0.0.2:5555", []string{"1.2.3.4", "198.51.100.9, 10.1.1.1"}, "198.51.100.9", nil},
		{"AllTrusted", "10.0.0.2:5555", []string{"10.3.3.3, 10.1.1.1"}, "10.3.3.3", nil},
		{"MalformedXFF", "10.0.0.2:5555", []string{"1.2.3.4, not-an-ip"}, "10.0.0.2", nil},
		{"MalformedWithPort", "10.0.0.2:5555", []string{"198.51.100.9:80"}, "10.0.0.2", nil},
		{"MalformedLeftOfUntrusted", "10.0.0.2:5555", []string{"junk, 198.51.100.9"}, "198.51.100.9", nil},
		{"EmptyEntries", "10.0.0.2:5555", []string{" , 198.51.100.9 ,"}, "198.51.100.9", nil},
		{"IPv6TrustedPeer", "[fd00::1]:5555", []string{"2001:db8::1"}, "2001:db8::1", nil},
		{"IPv6UntrustedPeer", "[2001:db8::2]:5555", []string{"2001:db8::1"}, "2001:db8::2", nil},
		{"IPv6ChainMixed", "[fd00::1]:5555", []string{"2001:db8::1, 10.0.0.5, fd00::7"}, "2001:db8::1", nil},
		{"IPv4MappedPeer", "[::ffff:10.0.0.2]:5555", []string{"198.51.100.9"}, "198.51.100.9", nil},
		{"IPv4MappedHop", "10.0.0.2:5555", []string{"::ffff:198.51.100.9"}, "198.51.100.9", nil},
		{"TrustNone", "10.0.0.2:5555", []string{"198.51.100.9"}, "10.0.0.2", New(nil)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest("GET", "/", nil)
			req.RemoteAddr = tt.peer
			for _, v := range tt.xff {
				req.Header.Add("X-Forwarded-For", v)
			}
			res := r
			if tt.trusts != nil {
				res = tt.trusts
			}
			if got := res.IP(req); got != tt.want {
				t.Errorf("IP = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestParse(t *testing.T) {
	for _, tt := range []struct {
		in, want, err string
	}{
		{"", "[]", ""},
		{" 10.0.0.1 ", "[10.0.0.1/32]", ""},
		{"10.1.2.3/8,::1, 2001:db8::/32", "[10.0.0.0/8 ::1/128 2001:db8::/32]", ""},
		{"::ffff:10.0.0.1", "[10.0.0.1/32]", ""},
		{"10.0.0.0/33", "", `"10.0.0.0/33" is not a CIDR prefix`},
		{"10.0.0.1, nginx", "", `"nginx" is not an IP address`},
		{"10.0.0.1:80", "", `"10.0.0.1:80" is not an IP address`},
	} {
		got, err := Parse(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("Parse(%q) error %v, want %s", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.in, err)
			continue
		}
		if s := fmt.Sprint(got); s != tt.want {
			t.Errorf("Parse(%q) = %s, want %s", tt.in, s, tt.want)
		}
	}
}

func TestNilResolver(t *testing.T) {
	req := httptest.NewRequest("GET", "/", nil)
	req.RemoteAddr = "10.0.0.2:5555"
	req.Header.Set("X-Forwarded-For", "198.51.100.9")
	if got := (*Resolver)(nil).IP(req); got != "10.0.0.2" {
		t.Errorf("IP = %q, want the peer", got)
	}
}
