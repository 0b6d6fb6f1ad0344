package userdb

import (
	"fmt"
	"net/url"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

var postgresURLParams = []string{"schema", "connection_limit", "pgbouncer", "sslaccept", "sslcert", "(and libpq's own)"}

// postgresTarget builds a pgx connector from a URL or a libpq-style DSN.
func postgresTarget(dsn string, isURL bool) (target, error) {
	cfg, maxConns, err := postgresConfig(dsn, isURL)
	if err != nil {
		return target{}, err
	}
	return target{
		dialect:   dialectPostgres,
		connector: stdlib.GetConnector(*cfg),
		secret:    cfg.Password,
		maxConns:  maxConns,
	}, nil
}

// postgresConfig parses a URL or a libpq-style DSN. Prisma's own URL
// parameters are translated: schema → search_path, sslaccept → sslmode,
// sslcert alone → sslrootcert, pgbouncer=true → no prepared statements.
func postgresConfig(dsn string, isURL bool) (*pgx.ConnConfig, int, error) {
	var (
		secret   string
		maxConns int
	)
	if isURL {
		u, err := parseURL(dsn)
		if err != nil {
			return nil, 0, err
		}
		secret = urlPassword(u)
		if maxConns, err = translatePrismaPostgres(u); err != nil {
			return nil, 0, redact(err, secret)
		}
		dsn = u.String()
	}
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		// pgx quotes the DSN in its message (redacted, best effort): drop it.
		msg := quotedInError.ReplaceAllString(err.Error(), "`…`")
		return nil, 0, redact(fmt.Errorf("userdb: postgres DSN: %s", msg), secret)
	}
	return cfg, maxConns, nil
}

// translatePrismaPostgres rewrites u's Prisma-only parameters for pgx and
// returns the connection_limit, if any.
func translatePrismaPostgres(u *url.URL) (int, error) {
	q, err := urlQuery(u)
	if err != nil {
		return 0, err
	}
	maxConns := 0
	for key, values := range q {
		v := values[len(values)-1]
		switch {
		case key == "schema":
			if err := checkIdentifier(v); err != nil {
				return 0, fmt.Errorf("userdb: URL parameter schema: %w", err)
			}
			q.Del(key)
			q.Set("search_path", `"`+v+`"`)
		case key == "connection_limit":
			if maxConns, err = positiveInt(key, v); err != nil {
				return 0, err
			}
			q.Del(key)
		case key == "pgbouncer":
			q.Del(key)
			if v == "true" {
				q.Set("default_query_exec_mode", "exec")
			}
		case key == "sslaccept":
			q.Del(key)
			switch v {
			case "strict":
				q.Set("sslmode", "verify-full")
			case "accept_invalid_certs":
				q.Set("sslmode", "require")
			default:
				return 0, fmt.Errorf("userdb: URL parameter sslaccept=%q: use strict or accept_invalid_certs", v)
			}
		case key == "sslcert" && !q.Has("sslkey"):
			// Prisma's sslcert is the server's root certificate; libpq's
			// (with sslkey) is a client certificate.
			q.Del(key)
			q.Set("sslrootcert", v)
		case key == "sslidentity" || key == "sslpassword":
			return 0, unsupportedParam("postgres", key, postgresURLParams)
		case prismaPoolParams[key]:
			q.Del(key)
		}
	}
	u.RawQuery = q.Encode()
	return maxConns, nil
}
