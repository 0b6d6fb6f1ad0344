package userdb

import (
	"testing"
)

func TestPostgresConfig(t *testing.T) {
	tests := []struct {
		dsn      string
		isURL    bool
		host     string
		port     uint16
		db, user string
		pass     string
		params   map[string]string
		maxConns int
	}{
		{dsn: "postgresql://app:" + secret + "@db:5433/appdb?schema=public", isURL: true, host: "db", port: 5433, db: "appdb", user: "app", pass: secret,
			params: map[string]string{"search_path": `"public"`}},
		{dsn: "postgres://app@db/appdb?schema=MyApp&connection_limit=4&pool_timeout=3&pgbouncer=true", isURL: true, host: "db", port: 5432, db: "appdb", user: "app",
			params: map[string]string{"search_path": `"MyApp"`}, maxConns: 4},
		{dsn: "host=db port=5434 user=app password=" + secret + " dbname=appdb", host: "db", port: 5434, db: "appdb", user: "app", pass: secret},
	}
	for _, tt := range tests {
		cfg, maxConns, err := postgresConfig(tt.dsn, tt.isURL)
		if err != nil {
			t.Errorf("%s: %v", tt.dsn, err)
			continue
		}
		if cfg.Host != tt.host || cfg.Port != tt.port || cfg.Database != tt.db || cfg.User != tt.user || cfg.Password != tt.pass || maxConns != tt.maxConns {
			t.Errorf("%s: got host=%s port=%d db=%s user=%s max=%d", tt.dsn, cfg.Host, cfg.Port, cfg.Database, cfg.User, maxConns)
		}
		for k, v := range tt.params {
			if cfg.RuntimeParams[k] != v {
				t.Errorf("%s: runtime param %s = %q, want %q", tt.dsn, k, cfg.RuntimeParams[k], v)
			}
		}
		for _, prismaOnly := range []string{"schema", "connection_limit", "pool_timeout", "pgbouncer"} {
			if _, ok := cfg.RuntimeParams[prismaOnly]; ok {
				t.Errorf("%s: Prisma parameter %s reached the server", tt.dsn, prismaOnly)
			}
		}
	}
}

func TestPrismaPostgresTLS(t *testing.T) {
	tests := []struct {
		url      string
		wantTLS  bool
		skipVrfy bool
	}{
		{"postgresql://u@db/app?sslaccept=strict", true, false},
		{"postgresql://u@db/app?sslaccept=accept_invalid_certs", true, true},
		{"postgresql://u@db/app?sslmode=disable", false, false},
	}
	for _, tt := range tests {
		cfg, _, err := postgresConfig(tt.url, true)
		if err != nil {
			t.Errorf("%s: %v", tt.url, err)
			continue
		}
		gotTLS := cfg.TLSConfig != nil
		if gotTLS != tt.wantTLS || (gotTLS && cfg.TLSConfig.InsecureSkipVerify != tt.skipVrfy) {
			t.Errorf("%s: TLS=%v", tt.url, cfg.TLSConfig)
		}
	}
}
