// Package clientip finds the address of the client that sent a request,
// behind reverse proxies the operator trusts (--trusted-proxies). Rate
// limits key on it, so it must not be something the client can choose.
package clientip

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// Resolver returns a request's client address. The zero value and New(nil)
// trust no proxy: the client is the peer.
type Resolver struct {
	trusted []netip.Prefix
}

// New returns a resolver that trusts X-Forwarded-For from peers in trusted.
func New(trusted []netip.Prefix) *Resolver {
	r := &Resolver{}
	for _, p := range trusted {
		r.trusted = append(r.trusted, p.Masked())
	}
	return r
}

// Parse reads a comma-separated list of IP addresses and CIDR prefixes
// ("10.0.0.1, 172.16.0.0/12, ::1"); empty entries are skipped. An address
// stands for itself alone (/32 or /128).
func Parse(list string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for entry := range strings.SplitSeq(list, ",") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		if strings.Contains(entry, "/") {
			p, err := netip.ParsePrefix(entry)
			if err != nil {
				return nil, fmt.Errorf("%q is not a CIDR prefix such as 10.0.0.0/8", entry)
			}
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(entry)
		if err != nil || a.Zone() != "" {
			return nil, fmt.Errorf("%q is not an IP address such as 10.0.0.1", entry)
		}
		a = a.Unmap()
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

// IP returns the client address of req. When the peer is a trusted proxy,
// it is the right-most address in X-Forwarded-For that is not itself
// trusted, walking from the right (each proxy appends the address it was
// reached from, so entries to the left of an untrusted one may be forged).
// When every entry is trusted, it is the left-most. A malformed entry,
// an untrusted peer or a missing header give the peer's address.
func (r *Resolver) IP(req *http.Request) string {
	peer := RemoteHost(req)
	if r == nil || len(r.trusted) == 0 || !r.trustsHost(peer) {
		return peer
	}
	hops := req.Header.Values("X-Forwarded-For")
	client := ""
	for i := len(hops) - 1; i >= 0; i-- {
		rest := hops[i]
		for rest != "" {
			var entry string
			if j := strings.LastIndexByte(rest, ','); j >= 0 {
				rest, entry = rest[:j], rest[j+1:]
			} else {
				rest, entry = "", rest
			}
			entry = strings.TrimSpace(entry)
			if entry == "" {
				continue
			}
			a, err := netip.ParseAddr(entry)
			if err != nil {
				return peer
			}
			client = a.Unmap().WithZone("").String()
			if !r.isTrusted(a) {
				return client
			}
		}
	}
	if client == "" {
		return peer
	}
	return client
}

// trustsHost reports whether host, an address as RemoteHost returns it, is a
// trusted proxy.
func (r *Resolver) trustsHost(host string) bool {
	a, err := netip.ParseAddr(host)
	return err == nil && r.isTrusted(a)
}

func (r *Resolver) isTrusted(a netip.Addr) bool {
	a = a.Unmap().WithZone("")
	for _, p := range r.trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// RemoteHost returns the host part of req.RemoteAddr: the peer's address.
func RemoteHost(req *http.Request) string {
	host, _, err := net.SplitHostPort(req.RemoteAddr)
	if err != nil {
		return req.RemoteAddr
	}
	return host
}
