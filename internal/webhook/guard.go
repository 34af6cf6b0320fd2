package webhook

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/wenyun/wenyun/internal/culture"
)

// Guard decides where webhook requests may go. Never to the server
// itself, which would loop: the host and port of its public URL
// (--public-url), the addresses that host resolves to at that port (so
// that, behind a proxy, the proxy's IP or another name for it is refused
// too; resolved when first needed and again every SelfRefreshEvery), each
// address it listens on (--addr), and any loopback or local-interface
// address or localhost name at a port it listens on.
// Unless private addresses are allowed (--webhook-allow-private, for
// tests and intranet deployments), never to a loopback, private,
// link-local, unspecified, multicast or otherwise reserved address
// either (SSRF).
//
// CheckURL applies the rules to a URL as typed, so an admin learns at once;
// Control applies them to the address of every connection the sender
// dials, after DNS, so a name that resolves (or later re-resolves) to a
// forbidden address is refused too.
type Guard struct {
	allowPrivate bool

	mu sync.RWMutex
	// self holds "host|port" keys of the server: lower-case names and
	// canonical IPs.
	self map[string]bool
	// ports holds the ports the server listens on.
	ports map[string]bool
	// names are the server's host names (not IPs, not localhost) with
	// their ports, to resolve.
	names []hostPort
	// resolved holds the "ip|port" keys the names resolved to, as of
	// resolvedAt (zero: never).
	resolved   map[string]bool
	resolvedAt time.Time
	resolver   Resolver
	now        func() time.Time

	// refreshing serialises resolutions.
	refreshing sync.Mutex
}

// hostPort is a host name and a port.
type hostPort struct{ host, port string }

// Resolver looks up a host's addresses; *net.Resolver is one.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// Timing of the resolution of the server's own names.
const (
	// SelfRefreshEvery is how long the addresses of the server's names
	// are trusted before they are resolved again.
	SelfRefreshEvery = 10 * time.Minute
	// selfRetryEvery is how soon a failed resolution is tried again.
	selfRetryEvery = time.Minute
	// selfResolveTimeout bounds one resolution.
	selfResolveTimeout = 3 * time.Second
)

// NewGuard returns a guard; allowPrivate lets requests go to private and
// loopback addresses (but never to the server itself).
func NewGuard(allowPrivate bool) *Guard {
	return &Guard{allowPrivate: allowPrivate, self: map[string]bool{}, ports: map[string]bool{},
		resolved: map[string]bool{}, resolver: net.DefaultResolver, now: time.Now}
}

// SetResolver replaces the resolver of the server's own names (tests);
// call it before the guard is used.
func (g *Guard) SetResolver(r Resolver) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.resolver, g.resolvedAt = r, time.Time{}
}

// AllowsPrivate reports whether private addresses are allowed.
func (g *Guard) AllowsPrivate() bool { return g.allowPrivate }

// AddSelfURL marks the host and port of the server's public URL as the
// server itself.
func (g *Guard) AddSelfURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Hostname() == "" {
		return fmt.Errorf("webhook guard: public URL %q has no host", raw)
	}
	host, port := normHost(u.Hostname()), urlPort(u)
	if cu, err := culture.CheckWebhookURL(raw); err == nil {
		host = normHost(cu.Hostname()) // an internationalised name as receivers' are compared: punycode
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.self[host+"|"+port] = true
	g.addName(host, port)
	return nil
}

// addName notes host, when a name to resolve; g.mu is held.
func (g *Guard) addName(host, port string) {
	if _, isIP := parseIP(host); isIP || isLocalName(host) {
		return
	}
	g.names = append(g.names, hostPort{host, port})
	g.resolvedAt = time.Time{}
}

// AddListener marks an address the server listens on ("host:port"; an
// empty or unspecified host is every local address) as the server itself.
func (g *Guard) AddListener(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("webhook guard: listen address %q: %w", addr, err)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.ports[port] = true
	if host != "" {
		g.self[hostKey(host, port)] = true
		g.addName(normHost(host), port)
	}
	return nil
}

// RefreshSelf resolves the server's names now; their addresses, at the
// names' ports, are the server itself until the next resolution. When a
// lookup fails the addresses it gave before are kept.
func (g *Guard) RefreshSelf(ctx context.Context) error {
	g.refreshing.Lock()
	defer g.refreshing.Unlock()
	return g.refresh(ctx)
}

// refresh resolves the names; g.refreshing is held.
func (g *Guard) refresh(ctx context.Context) error {
	g.mu.RLock()
	names, resolver, old := g.names, g.resolver, g.resolved
	g.mu.RUnlock()
	fresh := map[string]bool{}
	var errs []error
	for _, n := range names {
		ips, err := resolver.LookupNetIP(ctx, "ip", n.host)
		if err != nil {
			errs = append(errs, err)
			keepResolved(fresh, old, n.port) // the last good answer stands
			continue
		}
		for _, ip := range ips {
			fresh[ip.Unmap().WithZone("").String()+"|"+n.port] = true
		}
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.resolved, g.resolvedAt = fresh, g.now()
	if len(errs) > 0 {
		// Try again soon rather than in SelfRefreshEvery.
		g.resolvedAt = g.resolvedAt.Add(selfRetryEvery - SelfRefreshEvery)
		return fmt.Errorf("webhook guard: resolve the server's names: %w", errors.Join(errs...))
	}
	return nil
}

// keepResolved copies into fresh the keys of old at port.
func keepResolved(fresh, old map[string]bool, port string) {
	for k := range old {
		if strings.HasSuffix(k, "|"+port) {
			fresh[k] = true
		}
	}
}

// refreshIfStale resolves the server's names when they never were (the
// caller waits for the answer, as does one arriving meanwhile) or the
// answer is older than SelfRefreshEvery (resolved again in the
// background, the previous answer standing until then, so that a slow
// resolver never holds up a check).
func (g *Guard) refreshIfStale() {
	if !g.stale() {
		return
	}
	g.mu.RLock()
	first := g.resolvedAt.IsZero()
	g.mu.RUnlock()
	if first {
		g.refreshing.Lock()
		defer g.refreshing.Unlock()
		if g.stale() { // not resolved while we waited
			g.refreshFor(selfResolveTimeout)
		}
		return
	}
	if g.refreshing.TryLock() {
		go func() {
			defer g.refreshing.Unlock()
			g.refreshFor(selfResolveTimeout)
		}()
	}
}

// refreshFor resolves within d; g.refreshing is held.
func (g *Guard) refreshFor(d time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	g.refresh(ctx) //nolint:errcheck // the previous addresses stand; retried in selfRetryEvery
}

func (g *Guard) stale() bool {
	g.mu.RLock()
	defer g.mu.RUnlock()
	return len(g.names) > 0 && (g.resolvedAt.IsZero() || g.now().Sub(g.resolvedAt) >= SelfRefreshEvery)
}

// CheckURL checks a receiver URL: its form (culture.CheckWebhookURL),
// then where it points, as far as the URL tells without resolving its
// host (an IP written in it is compared with the server's own, resolved).
func (g *Guard) CheckURL(raw string) error {
	u, err := culture.CheckWebhookURL(raw)
	if err != nil {
		return err
	}
	host, port := normHost(u.Hostname()), urlPort(u)
	ip, isIP := parseIP(host)
	if g.isSelfName(host, port) || isIP && g.isSelfIP(ip, port) {
		return culture.Invalid("url", fmt.Sprintf("接收地址指向本系统自身（%s），会造成循环请求；请填写接收方系统的地址。",
			net.JoinHostPort(host, port)))
	}
	if !g.allowPrivate && (isLocalName(host) || isIP && !PublicIP(ip)) {
		return culture.Invalid("url", fmt.Sprintf("接收地址是本机、内网或保留地址（%s），出于安全考虑不予发送；"+
			"内网部署可由系统管理员以 --webhook-allow-private 启动服务。", host))
	}
	return nil
}

// isSelfName reports whether host:port names the server: a key of self,
// or a localhost name at a port it listens on.
func (g *Guard) isSelfName(host, port string) bool {
	g.mu.RLock()
	defer g.mu.RUnlock()
	return g.self[host+"|"+port] || g.ports[port] && isLocalName(host)
}

// isSelfIP reports whether ip:port is the server: a listen or public
// address, an address its names resolve to at their port, or a
// loopback, unspecified or local-interface address at a port it listens
// on.
func (g *Guard) isSelfIP(ip netip.Addr, port string) bool {
	g.refreshIfStale()
	key := ip.String() + "|" + port
	g.mu.RLock()
	self, listening := g.self[key] || g.resolved[key], g.ports[port]
	g.mu.RUnlock()
	return self || listening && (ip.IsLoopback() || ip.IsUnspecified() || isInterfaceIP(ip))
}

// DialError is a connection the guard refused.
type DialError struct {
	Addr   string
	Reason string
}

func (e *DialError) Error() string { return "不允许连接 " + e.Addr + "：" + e.Reason }

// Control is a net.Dialer Control function: it refuses a connection to
// the server itself and, unless allowed, to a non-public address. It sees
// the address actually dialled, after DNS.
func (g *Guard) Control(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return &DialError{Addr: address, Reason: "地址无法识别"}
	}
	ip, port := ap.Addr().Unmap().WithZone(""), fmt.Sprint(ap.Port())
	if g.isSelfIP(ip, port) {
		return &DialError{Addr: address, Reason: "指向本系统自身"}
	}
	if !g.allowPrivate && !PublicIP(ip) {
		return &DialError{Addr: address, Reason: "本机、内网或保留地址"}
	}
	return nil
}

// PublicIP reports whether ip is a public unicast address: not loopback,
// private (RFC 1918, fc00::/7), link-local, unspecified, multicast, shared
// (100.64.0.0/10), documentation, benchmarking, NAT64/6to4, IPv4-compatible
// or -translated IPv6 (::/8, which holds ::7f00:1 and ::ffff:0:7f00:1),
// site-local (fec0::/10) or otherwise reserved.
func PublicIP(ip netip.Addr) bool {
	ip = ip.Unmap()
	if !ip.IsValid() || ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsInterfaceLocalMulticast() || ip.IsMulticast() || ip.IsUnspecified() {
		return false
	}
	for _, p := range reserved {
		if p.Contains(ip) {
			return false
		}
	}
	return true
}

var reserved = func() []netip.Prefix {
	var out []netip.Prefix
	for _, s := range []string{"0.0.0.0/8", "100.64.0.0/10", "192.0.0.0/24", "192.0.2.0/24", "192.88.99.0/24",
		"198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24", "240.0.0.0/4",
		"::/8", "64:ff9b::/96", "64:ff9b:1::/48", "100::/64", "2001::/23", "2001:db8::/32", "2002::/16", "3fff::/20",
		"fec0::/10"} {
		out = append(out, netip.MustParsePrefix(s))
	}
	return out
}()

// normHost lower-cases a host name and drops a trailing dot; an IP comes
// back in canonical form.
func normHost(h string) string {
	h = strings.TrimSuffix(strings.ToLower(h), ".")
	if ip, ok := parseIP(h); ok {
		return ip.String()
	}
	return h
}

// hostKey is the self key of host and port.
func hostKey(host, port string) string { return normHost(host) + "|" + port }

// parseIP reads an IP literal (IPv4-mapped IPv6 as IPv4, zone dropped).
func parseIP(h string) (netip.Addr, bool) {
	ip, err := netip.ParseAddr(h)
	if err != nil {
		return netip.Addr{}, false
	}
	return ip.Unmap().WithZone(""), true
}

// urlPort is u's port, or its scheme's default.
func urlPort(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	if u.Scheme == "https" {
		return "443"
	}
	return "80"
}

// isLocalName reports whether a (normalised) host name means this machine.
func isLocalName(host string) bool {
	return host == "localhost" || strings.HasSuffix(host, ".localhost")
}

// isInterfaceIP reports whether ip is an address of one of this machine's
// network interfaces.
func isInterfaceIP(ip netip.Addr) bool {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return false
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok {
			if got, ok := netip.AddrFromSlice(n.IP); ok && got.Unmap() == ip {
				return true
			}
		}
	}
	return false
}
