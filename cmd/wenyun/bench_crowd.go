package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// shot is what one client saw: its latency and the answer.
type shot struct {
	sent   time.Time // just before the request was handed to the client
	done   time.Time
	lat    time.Duration
	status int    // 0 when no answer came
	code   string // error code of a refusal, or the transport error
	id     int64  // booking id of a 201
}

// crowd is the outcome of one burst of requests fired at once.
type crowd struct {
	name  string
	at    time.Time
	shots []shot
}

// newBenchClient returns a client whose pool keeps up to conc connections
// open between requests, so that a warmed crowd reuses them.
func newBenchClient(conc int, timeout time.Duration) *http.Client {
	tr := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        conc,
		MaxIdleConnsPerHost: conc,
		MaxConnsPerHost:     conc,
		IdleConnTimeout:     5 * time.Minute,
		DisableCompression:  true,
	}
	return &http.Client{Transport: tr, Timeout: timeout}
}

// fire sends reqs at once when at comes, at most conc in flight, and
// records every answer. The requests are built beforehand so that the
// burst costs the client as little as possible.
func fire(ctx context.Context, c *http.Client, name string, reqs []*http.Request, conc int, at time.Time) *crowd {
	cr := &crowd{name: name, at: at, shots: make([]shot, len(reqs))}
	sem := make(chan struct{}, conc)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, req := range reqs {
		wg.Go(func() {
			<-start
			sem <- struct{}{}
			cr.shots[i] = send(c, req.WithContext(ctx))
			<-sem
		})
	}
	time.Sleep(time.Until(at))
	cr.at = time.Now()
	close(start)
	wg.Wait()
	return cr
}

// send does one request and reads its answer.
func send(c *http.Client, req *http.Request) shot {
	t0 := time.Now()
	resp, err := c.Do(req)
	if err != nil {
		return shot{sent: t0, done: time.Now(), lat: time.Since(t0), code: "transport: " + errClass(err)}
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	s := shot{sent: t0, done: time.Now(), status: resp.StatusCode}
	s.lat = s.done.Sub(t0)
	if err != nil {
		s.status, s.code = 0, "transport: "+errClass(err)
		return s
	}
	var v struct {
		ID    int64 `json:"id"`
		Error struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	if resp.StatusCode >= 300 || strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		json.Unmarshal(body, &v) //nolint:errcheck // a body that is not JSON leaves v empty
	}
	s.id, s.code = v.ID, v.Error.Code
	return s
}

// errClass shortens a transport error so that counts group: the last part
// of its text ("connection reset by peer", "timeout").
func errClass(err error) string {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return "timeout"
	}
	msg := err.Error()
	if i := strings.LastIndex(msg, ": "); i >= 0 {
		msg = msg[i+2:]
	}
	return msg
}

// stats summarises a crowd: from the burst to its last answer.
type stats struct {
	n, answered        int
	wall               time.Duration
	perSec             float64
	p50, p99, max, min time.Duration
	counts             map[string]int
}

func (cr *crowd) stats() stats {
	st := stats{n: len(cr.shots), counts: map[string]int{}}
	lats := make([]time.Duration, 0, len(cr.shots))
	var last time.Time
	for _, s := range cr.shots {
		key := strconv.Itoa(s.status)
		if s.status == 0 {
			key = s.code
		} else if s.code != "" {
			key += " " + s.code
		}
		st.counts[key]++
		if s.status == 0 {
			continue
		}
		st.answered++
		lats = append(lats, s.lat)
		if s.done.After(last) {
			last = s.done
		}
	}
	if st.answered == 0 {
		return st
	}
	slices.Sort(lats)
	st.wall = last.Sub(cr.at)
	st.perSec = float64(st.answered) / st.wall.Seconds()
	st.min, st.max = lats[0], lats[len(lats)-1]
	st.p50, st.p99 = percentile(lats, 50), percentile(lats, 99)
	return st
}

// percentile returns the p-th percentile of sorted latencies (nearest rank).
func percentile(sorted []time.Duration, p int) time.Duration {
	rank := (len(sorted)*p + 99) / 100
	return sorted[max(rank, 1)-1]
}

// print writes the crowd's summary.
func (st stats) print(w io.Writer, name string) {
	fmt.Fprintf(w, "%s: %d requests, %d answered in %s: %.0f answers/s; latency p50 %s, p99 %s, max %s\n",
		name, st.n, st.answered, ms(st.wall), st.perSec, ms(st.p50), ms(st.p99), ms(st.max))
	keys := make([]string, 0, len(st.counts))
	for k := range st.counts {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		fmt.Fprintf(w, "  %-28s %d\n", k, st.counts[k])
	}
}

// ms formats a duration in milliseconds with one decimal.
func ms(d time.Duration) string {
	return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', 1, 64) + " ms"
}

// admission is the latency of a crowd counted from admission.
type admission struct {
	p50, p99, max time.Duration
	held          int // answers that waited for the window's end
}

// fromAdmission returns the latency percentiles of the answered requests
// counted from max(send, windowEnd): a request sent in the fair window is
// held until it ends on purpose, so that wait is left out. A request
// answered before the window ended was not held and counts from sending.
func (cr *crowd) fromAdmission(windowEnd time.Time) admission {
	var ad admission
	lats := make([]time.Duration, 0, len(cr.shots))
	for _, s := range cr.shots {
		if s.status == 0 {
			continue
		}
		lat := s.lat
		if s.sent.Before(windowEnd) && s.done.After(windowEnd) {
			lat = s.done.Sub(windowEnd)
			ad.held++
		}
		lats = append(lats, lat)
	}
	if len(lats) == 0 {
		return ad
	}
	slices.Sort(lats)
	ad.p50, ad.p99, ad.max = percentile(lats, 50), percentile(lats, 99), lats[len(lats)-1]
	return ad
}
