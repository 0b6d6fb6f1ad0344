package caddymodule

import (
	"bufio"
	"bytes"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/caddy-mautic/caddy-mautic/mautic"
	"github.com/caddy-mautic/caddy-mautic/provision/userdb"
)

// A stranger sharing Mautic's address (NAT, load balancer) cannot lock
// Mautic out: after 1000 forged posts from that address, a signed one is
// taken. The strangers meanwhile get 429 and a closed connection.
func TestIntegrationForgedWebhooksDoNotLockOutMautic(t *testing.T) {
	s := startSite(t, siteOptions{})
	s.db.AddUser(t, userdb.User{ID: "hooked-user", Email: "hooked@example.com", EmailVerified: true})
	created, createdSig := webhookCapture(t, "hook_1795646388737_001.raw")
	forged := mautic.SignWebhook(created, "a stranger's guess")
	statuses, keptOpen := map[int]int{}, 0
	for range 1000 {
		resp, _ := s.postWebhook(t, created, forged)
		statuses[resp.StatusCode]++
		if resp.StatusCode == http.StatusTooManyRequests && !resp.Close {
			keptOpen++
		}
	}
	resp, body := s.postWebhook(t, created, createdSig)
	if resp.StatusCode != 200 || !strings.Contains(body, "stored") {
		t.Fatalf("signed post after 1000 forged ones from its address: %s %s, want 200 stored", resp.Status, body)
	}
	if statuses[401]+statuses[429] != 1000 || statuses[429] == 0 {
		t.Errorf("forged posts answered %v, want 401 then 429", statuses)
	}
	if keptOpen > 0 {
		t.Errorf("%d limited forged posts kept their connection open", keptOpen)
	}
	eventually(t, 10*time.Second, "the user linked to contact 10", func() bool {
		id, ok := s.db.MauticID(t, "hooked-user")
		return ok && id == 10
	})
}

// A client that sends its headers and then trickles (here: stops) its body
// is cut off at the webhook's read timeout (default 10s), whatever the
// server's own timeouts.
func TestIntegrationWebhookSlowBodyIsCutOff(t *testing.T) {
	startSite(t, siteOptions{})
	sig := mautic.SignWebhook([]byte("x"), "well-formed, wrong")
	slowBodyIsCutOff(t, "POST /api/webhooks/mautic HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"+
		mautic.WebhookSignatureHeader+": "+sig+"\r\nContent-Length: 1000\r\n\r\n{")
}

// The first-party tracking routes are the module's own endpoints too: a
// hit whose body trickles is cut off at the same bound.
func TestIntegrationFirstPartySlowBodyIsCutOff(t *testing.T) {
	startSite(t, siteOptions{})
	slowBodyIsCutOff(t, "POST /mtc-proxy/mtc/event HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: Mozilla/5.0\r\n"+
		"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\npage_title=")
}

// slowBodyIsCutOff sends head (a request whose body then stops) and wants
// a 400 and a closed connection well before a client could hold it for
// minutes.
func slowBodyIsCutOff(t *testing.T, head string) {
	t.Helper()
	conn, err := net.Dial("tcp", "127.0.0.1:"+strconv.Itoa(sitePort))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Write([]byte(head)); err != nil {
		t.Fatal(err)
	}
	// Generous: far over the 10s default, far under "held for minutes".
	if err := conn.SetReadDeadline(time.Now().Add(40 * time.Second)); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("the trickling client was not answered or cut off: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || !resp.Close {
		t.Errorf("trickling body: %s (close %v), want 400 and a closed connection", resp.Status, resp.Close)
	}
	var rest bytes.Buffer
	if _, err := rest.ReadFrom(conn); err != nil {
		t.Errorf("the connection was not closed after the answer: %v", err)
	}
}
