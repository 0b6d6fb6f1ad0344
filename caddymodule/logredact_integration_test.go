package caddymodule

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Credentials the test app hands out on get-session, unique enough to be
// found in a log.
const (
	testSessionJWT   = "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJsb2ctdGVzdCJ9.c2lnbmF0dXJlLWluLXRoZS1sb2c"
	testSessionToken = "bearer-session-token-in-the-log.c2lnbmF0dXJl"
	testBearerHeader = "Bearer eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJyZXF1ZXN0In0.cmVxdWVzdC1zaWc"
)

// TestIntegrationAccessLogHoldsNoCredentials: a site with Caddy's access
// log on, and nothing else configured: the credentials of a get-session
// answer reach the browser and not the log file.
func TestIntegrationAccessLogHoldsNoCredentials(t *testing.T) {
	logFile := filepath.Join(t.TempDir(), "access.log")
	s := startSite(t, siteOptions{extra: "log {\n\t\toutput file " + logFile + "\n\t}"})
	for _, path := range []string{"/api/auth/get-session", "/api/auth/get-session?x=1"} {
		resp, _ := s.get(t, path, map[string]string{"Authorization": testBearerHeader, "Accept": "application/json"})
		if resp.StatusCode != 200 || resp.Header.Get("Set-Auth-Jwt") != testSessionJWT || resp.Header.Get("Set-Auth-Token") != testSessionToken {
			t.Fatalf("%s: %s, the browser lost its credentials: %v", path, resp.Status, resp.Header)
		}
	}
	var log string
	eventually(t, 10*time.Second, "both requests in the access log", func() bool {
		b, _ := os.ReadFile(logFile)
		log = string(b)
		return strings.Count(log, "/api/auth/get-session") >= 2
	})
	for _, secret := range []string{testSessionJWT, testSessionToken, strings.TrimPrefix(testBearerHeader, "Bearer ")} {
		if strings.Contains(log, secret) {
			t.Errorf("the access log holds a credential %.20s…", secret)
		}
	}
	if !strings.Contains(log, `"Set-Auth-Jwt":["REDACTED"]`) {
		t.Errorf("the access log does not show Set-Auth-Jwt as REDACTED:\n%s", log)
	}
}
