package userdb

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestMySQLConfigFromURL(t *testing.T) {
	tests := []struct {
		url                       string
		net, addr, user, db, pass string
		tls                       string
		maxConns                  int
		timeout                   time.Duration
	}{
		{url: "mysql://root:" + secret + "@localhost:3307/app", net: "tcp", addr: "localhost:3307", user: "root", db: "app", pass: secret, timeout: mysqlDialTimeout},
		{url: "mysql://root@db/app", net: "tcp", addr: "db:3306", user: "root", db: "app", timeout: mysqlDialTimeout},
		{url: "mysql://u%40x:p%2Fw%3F@[::1]:3306/my_app", net: "tcp", addr: "[::1]:3306", user: "u@x", pass: "p/w?", db: "my_app", timeout: mysqlDialTimeout},
		{url: "mysql://u@db/app?connection_limit=3&connect_timeout=7&pool_timeout=10", net: "tcp", addr: "db:3306", user: "u", db: "app", maxConns: 3, timeout: 7 * time.Second},
		{url: "mysql://u@localhost/app?socket=/run/mysqld/mysqld.sock", net: "unix", addr: "/run/mysqld/mysqld.sock", user: "u", db: "app", timeout: mysqlDialTimeout},
		{url: "mysql://u@db/app?sslaccept=strict", net: "tcp", addr: "db:3306", user: "u", db: "app", tls: "true", timeout: mysqlDialTimeout},
		{url: "mysql://u@db/app?sslaccept=accept_invalid_certs", net: "tcp", addr: "db:3306", user: "u", db: "app", tls: "skip-verify", timeout: mysqlDialTimeout},
		{url: "mysql://u@db/app?sslmode=REQUIRED", net: "tcp", addr: "db:3306", user: "u", db: "app", tls: "skip-verify", timeout: mysqlDialTimeout},
		{url: "mysql://u@db/app?ssl-mode=verify_identity", net: "tcp", addr: "db:3306", user: "u", db: "app", tls: "true", timeout: mysqlDialTimeout},
		{url: "mariadb://u@db/app?sslmode=disable", net: "tcp", addr: "db:3306", user: "u", db: "app", tls: "false", timeout: mysqlDialTimeout},
	}
	for _, tt := range tests {
		cfg, maxConns, err := mysqlConfig(tt.url, true)
		if err != nil {
			t.Errorf("%s: %v", tt.url, err)
			continue
		}
		if cfg.Net != tt.net || cfg.Addr != tt.addr || cfg.User != tt.user || cfg.Passwd != tt.pass || cfg.DBName != tt.db ||
			cfg.TLSConfig != tt.tls || maxConns != tt.maxConns || cfg.Timeout != tt.timeout {
			t.Errorf("%s: got net=%s addr=%s user=%s db=%s tls=%q max=%d timeout=%v", tt.url, cfg.Net, cfg.Addr, cfg.User, cfg.DBName, cfg.TLSConfig, maxConns, cfg.Timeout)
		}
		if !cfg.ParseTime || cfg.Loc != time.UTC || !cfg.InterpolateParams {
			t.Errorf("%s: parseTime/loc/interpolateParams not forced: %v %v %v", tt.url, cfg.ParseTime, cfg.Loc, cfg.InterpolateParams)
		}
	}
}

func TestMySQLDriverDSNIsForcedToUTC(t *testing.T) {
	cfg, _, err := mysqlConfig("u:"+secret+"@tcp(db:3306)/app?parseTime=false&loc=Local&timeout=2s", false)
	if err != nil {
		t.Fatal(err)
	}
	if !cfg.ParseTime || cfg.Loc != time.UTC || cfg.Passwd != secret || cfg.DBName != "app" || cfg.Timeout != 2*time.Second {
		t.Errorf("got %+v", cfg)
	}
}

func TestMySQLURLWithCA(t *testing.T) {
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, selfSignedPEM(t), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, _, err := mysqlConfig("mysql://u@db/app?sslcert="+ca, true)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.TLS == nil || cfg.TLS.RootCAs == nil || cfg.TLS.InsecureSkipVerify {
		t.Errorf("sslcert should give a verifying TLS config with the CA, got %+v", cfg.TLS)
	}
	for _, bad := range []string{filepath.Join(t.TempDir(), "missing.pem"), filepath.Join(t.TempDir())} {
		if _, _, err := mysqlConfig("mysql://u@db/app?sslcert="+bad, true); err == nil {
			t.Errorf("CA file %s should be an error", bad)
		}
	}
	notPEM := filepath.Join(t.TempDir(), "junk.pem")
	if err := os.WriteFile(notPEM, []byte("junk"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := mysqlConfig("mysql://u@db/app?sslcert="+notPEM, true); err == nil || !strings.Contains(err.Error(), "no PEM") {
		t.Errorf("a file without certificates should be an error, got %v", err)
	}
}

func TestMySQLDSNPassword(t *testing.T) {
	tests := []struct{ dsn, want string }{
		{"u:pw@tcp(h)/db", "pw"},
		{"u:p@w/x@tcp(h)/db", "p@w/x"},
		{"u@tcp(h)/db", ""},
		{"/db", ""},
		{"u:pw@/db?x=y", "pw"},
	}
	for _, tt := range tests {
		if got := mysqlDSNPassword(tt.dsn); got != tt.want {
			t.Errorf("mysqlDSNPassword(%q) = %q, want %q", tt.dsn, got, tt.want)
		}
	}
}

// selfSignedPEM makes a throwaway CA certificate in PEM form.
func selfSignedPEM(t *testing.T) []byte {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "userdb test CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}
