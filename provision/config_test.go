package provision

import (
	"strings"
	"testing"
	"time"

	"github.com/caddy-mautic/caddy-mautic/mautic"
)

func testClient(t *testing.T) *mautic.Client {
	c, err := mautic.New(mautic.Config{BaseURL: "http://127.0.0.1:9/api", Auth: mautic.BasicAuth{Username: "u", Password: "p"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestConfigDefaults(t *testing.T) {
	cfg, err := Config{Client: testClient(t), Store: emptyStore{}}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"Workers", cfg.Workers, DefaultWorkers},
		{"BatchSize", cfg.BatchSize, 200},
		{"BatchDelay", cfg.BatchDelay, DefaultBatchDelay},
		{"RequestWait", cfg.RequestWait, time.Duration(0)},
		{"CacheTTL", cfg.CacheTTL, DefaultCacheTTL},
		{"Rescan", cfg.Rescan, DefaultRescan},
		{"ActiveWindow", cfg.ActiveWindow, DefaultActiveWindow},
		{"RescanLimit", cfg.RescanLimit, 2000},
		{"CallTimeout", cfg.CallTimeout, DefaultCallTimeout},
		{"RetryMin", cfg.RetryMin, DefaultRetryMin},
		{"RetryMax", cfg.RetryMax, DefaultRetryMax},
		{"LockRetry", cfg.LockRetry, DefaultLockRetry},
		{"MaxQueued", cfg.MaxQueued, DefaultMaxQueued},
		{"Locales", len(cfg.Locales), len(DefaultLocales())},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	if cfg.Logger == nil || cfg.Now == nil {
		t.Error("Logger or Now not defaulted")
	}
	// A small RetryMax pulls the default RetryMin down with it.
	cfg, err = Config{Client: testClient(t), Store: emptyStore{}, RetryMax: 100 * time.Millisecond}.withDefaults()
	if err != nil || cfg.RetryMin != 100*time.Millisecond {
		t.Errorf("RetryMin %s, %v", cfg.RetryMin, err)
	}
}

func TestConfigErrors(t *testing.T) {
	c := testClient(t)
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"no client", Config{Store: emptyStore{}}, "Client is required"},
		{"no store", Config{Client: c}, "Store is required"},
		{"batch too large", Config{Client: c, Store: emptyStore{}, BatchSize: 201}, "batch limit of 200"},
		{"negative workers", Config{Client: c, Store: emptyStore{}, Workers: -1}, "Workers -1 is negative"},
		{"negative wait", Config{Client: c, Store: emptyStore{}, RequestWait: -time.Second}, "RequestWait -1s is negative"},
		{"retry bounds", Config{Client: c, Store: emptyStore{}, RetryMin: time.Minute, RetryMax: time.Second}, "RetryMin 1m0s is over RetryMax 1s"},
		{"bad locale", Config{Client: c, Store: emptyStore{}, Locales: map[string]string{"de": "German"}}, "not a Mautic locale"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "provision: ") {
				t.Errorf("New: %v, want an error about %q", err, tt.want)
			}
		})
	}
}
