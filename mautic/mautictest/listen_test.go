package mautictest

import (
	"net/http"
	"strings"
	"testing"
)

func TestListenServesUntilClosed(t *testing.T) {
	s, err := Listen("127.0.0.1:0", WithBasicAuth("u", "p"))
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodGet, s.APIURL()+"/contacts", nil)
	req.SetBasicAuth("u", "p")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d, want 200", resp.StatusCode)
	}

	// A second simulator cannot take the same address, and says which.
	addr := strings.TrimPrefix(s.URL, "http://")
	if _, err := Listen(addr); err == nil || !strings.Contains(err.Error(), addr) {
		t.Fatalf("second Listen on %s: err = %v, want an error naming the address", addr, err)
	}

	s.Close()
	if _, err := http.DefaultClient.Do(req); err == nil {
		t.Fatal("the simulator still answers after Close")
	}
}
