//go:build bench

package loadbench

import (
	"context"
	"io"
	"net/http"
	"slices"
	"sync"
	"time"
)

// loadResult is one closed-loop run against one URL.
type loadResult struct {
	requests int
	errors   int
	elapsed  time.Duration
	p50, p99 time.Duration
}

// runLoad keeps conns requests in flight against url for d, each with
// the given headers, reading every body to the end, and returns the
// count and latency percentiles of the successful ones.
func runLoad(ctx context.Context, client *http.Client, url string, header http.Header, conns int, d time.Duration) loadResult {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		lats []time.Duration
		errs int
	)
	start := time.Now()
	for range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			bad := 0
			for ctx.Err() == nil {
				t0 := time.Now()
				if err := get(ctx, client, url, header); err != nil {
					if ctx.Err() == nil {
						bad++
					}
					continue
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			lats = append(lats, mine...)
			errs += bad
			mu.Unlock()
		}()
	}
	wg.Wait()
	res := loadResult{requests: len(lats), errors: errs, elapsed: time.Since(start)}
	if len(lats) > 0 {
		slices.Sort(lats)
		res.p50 = lats[len(lats)/2]
		res.p99 = lats[len(lats)*99/100]
	}
	return res
}

func get(ctx context.Context, client *http.Client, url string, header http.Header) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	req.Header = header.Clone()
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return errStatus(resp.StatusCode)
	}
	return nil
}

type errStatus int

func (e errStatus) Error() string { return http.StatusText(int(e)) }

// newClient keeps conns connections open and leaves bodies as sent (the
// gzip cases ask for gzip themselves and read the compressed bytes).
func newClient(conns int) *http.Client {
	return &http.Client{Transport: &http.Transport{
		MaxIdleConns: conns, MaxIdleConnsPerHost: conns, DisableCompression: true,
		IdleConnTimeout: time.Minute,
	}}
}
