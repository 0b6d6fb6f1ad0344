package userdb

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
)

// mysqlDialTimeout bounds a connection attempt when the DSN sets none.
const mysqlDialTimeout = 5 * time.Second

var mysqlURLParams = []string{"connection_limit", "connect_timeout", "socket", "sslaccept", "sslmode", "sslcert"}

// mysqlTarget builds a go-sql-driver connector from a URL or a driver DSN.
func mysqlTarget(dsn string, isURL bool) (target, error) {
	cfg, maxConns, err := mysqlConfig(dsn, isURL)
	if err != nil {
		return target{}, err
	}
	t := target{dialect: dialectMySQL, secret: cfg.Passwd, maxConns: maxConns}
	t.connector, err = mysql.NewConnector(cfg)
	if err != nil {
		return target{}, redact(fmt.Errorf("userdb: mysql DSN: %w", err), t.secret)
	}
	return t, nil
}

// mysqlConfig parses a URL or a driver DSN. Times are read as UTC
// (parseTime, loc=UTC), as Better Auth writes them.
func mysqlConfig(dsn string, isURL bool) (*mysql.Config, int, error) {
	var (
		cfg      *mysql.Config
		maxConns int
		err      error
	)
	if isURL {
		cfg, maxConns, err = mysqlConfigFromURL(dsn)
	} else if cfg, err = mysql.ParseDSN(dsn); err != nil {
		err = redact(fmt.Errorf("userdb: mysql DSN: %w", err), mysqlDSNPassword(dsn))
	}
	if err != nil {
		return nil, 0, err
	}
	cfg.ParseTime = true
	cfg.Loc = time.UTC
	// One round trip per query instead of prepare, execute, close.
	cfg.InterpolateParams = true
	if cfg.Timeout == 0 {
		cfg.Timeout = mysqlDialTimeout
	}
	return cfg, maxConns, nil
}

// mysqlConfigFromURL converts mysql://user:pass@host:port/db?params.
func mysqlConfigFromURL(dsn string) (*mysql.Config, int, error) {
	u, err := parseURL(dsn)
	if err != nil {
		return nil, 0, err
	}
	secret := urlPassword(u)
	cfg := mysql.NewConfig()
	if u.User != nil {
		cfg.User = u.User.Username()
		cfg.Passwd = secret
	}
	cfg.Net = "tcp"
	host := u.Hostname()
	if host == "" {
		host = "127.0.0.1"
	}
	port := u.Port()
	if port == "" {
		port = "3306"
	}
	cfg.Addr = net.JoinHostPort(host, port)
	cfg.DBName = strings.TrimPrefix(u.Path, "/")
	if cfg.DBName == "" || strings.Contains(cfg.DBName, "/") {
		return nil, 0, errors.New("userdb: mysql URL must name one database: end it with /dbname")
	}
	query, err := urlQuery(u)
	if err != nil {
		return nil, 0, err
	}
	maxConns := 0
	var tlsMode, caFile string
	for key, values := range query {
		v := values[len(values)-1]
		switch {
		case key == "connection_limit":
			if maxConns, err = positiveInt(key, v); err != nil {
				return nil, 0, err
			}
		case key == "connect_timeout":
			n, err := positiveInt(key, v)
			if err != nil {
				return nil, 0, err
			}
			cfg.Timeout = time.Duration(n) * time.Second
		case key == "socket":
			cfg.Net, cfg.Addr = "unix", v
		case key == "sslaccept":
			switch v {
			case "strict":
				tlsMode = "true"
			case "accept_invalid_certs":
				tlsMode = "skip-verify"
			default:
				return nil, 0, fmt.Errorf("userdb: URL parameter sslaccept=%q: use strict or accept_invalid_certs", v)
			}
		case key == "sslmode" || key == "ssl-mode":
			if tlsMode, err = mysqlSSLMode(v); err != nil {
				return nil, 0, err
			}
		case key == "sslcert":
			caFile = v
		case prismaPoolParams[key]:
		default:
			return nil, 0, unsupportedParam("mysql", key, mysqlURLParams)
		}
	}
	if caFile != "" && tlsMode != "skip-verify" {
		if cfg.TLS, err = tlsWithCA(caFile); err != nil {
			return nil, 0, err
		}
	} else {
		cfg.TLSConfig = tlsMode
	}
	return cfg, maxConns, nil
}

// mysqlSSLMode maps MySQL's and libpq's ssl modes onto the driver's TLS names.
func mysqlSSLMode(v string) (string, error) {
	switch strings.ReplaceAll(strings.ToLower(v), "_", "-") {
	case "disable", "disabled":
		return "false", nil
	case "prefer", "preferred":
		return "preferred", nil
	case "require", "required":
		return "skip-verify", nil
	case "verify-ca", "verify-full", "verify-identity":
		return "true", nil
	}
	return "", fmt.Errorf("userdb: URL parameter sslmode=%q: use disable, prefer, require, verify-ca or verify-full", v)
}

// tlsWithCA returns a TLS config trusting the PEM certificates in file
// (Prisma's sslcert: the server's root certificate).
func tlsWithCA(file string) (*tls.Config, error) {
	pem, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("userdb: URL parameter sslcert: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("userdb: URL parameter sslcert: %s holds no PEM certificate", file)
	}
	return &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}, nil
}

// mysqlDSNPassword finds the password in a driver DSN
// (user:password@net(addr)/db) the way the driver does, to scrub it.
func mysqlDSNPassword(dsn string) string {
	slash := strings.LastIndexByte(dsn, '/')
	if slash < 0 {
		slash = len(dsn)
	}
	at := strings.LastIndexByte(dsn[:slash], '@')
	if at < 0 {
		return ""
	}
	_, pass, ok := strings.Cut(dsn[:at], ":")
	if !ok {
		return ""
	}
	return pass
}
