package mautic

import (
	"context"
	"net/http"
	"net/url"
	"testing"
)

func TestWirePing(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if n == 0 {
			reply(w, 200, recorded(t, "11_search_minimal_where"))
			return
		}
		reply(w, 503, server503)
	})
	c := f.client(t)
	res, err := c.Ping(context.Background())
	if err != nil || res.Version != "5.1.0" || res.Latency <= 0 {
		t.Fatalf("Ping = %+v, %v", res, err)
	}
	q, _ := url.ParseQuery(f.requests()[0].RawQuery)
	if q.Get("limit") != "1" || q.Get("minimal") != "true" {
		t.Errorf("query %v", q)
	}
	if _, err := c.Ping(context.Background()); !IsUnavailable(err) || f.count() != 2 {
		t.Fatalf("Ping on 503 = %v after %d calls; Ping never retries", err, f.count())
	}
}
