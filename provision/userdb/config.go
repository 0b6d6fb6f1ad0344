package userdb

import (
	"fmt"
	"strings"
	"time"
)

// Default names of Better Auth 1.7's tables and columns, as its own migrator
// creates them (camelCase), plus the additional fields locale and mauticId.
const (
	DefaultUserTable    = "user"
	DefaultSessionTable = "session"
)

// DefaultMaxOpenConns bounds the pool by default: the database belongs to the
// application, and a few connections serve the lookups and writes of this
// module.
const DefaultMaxOpenConns = 8

// NoColumn, given as Columns.UserLocale, says the user table has no locale
// column; User.Locale is then always empty. Given as
// Columns.UserEmailVerified, it reads every email as unverified.
const NoColumn = "-"

// Config says where the application's database is and how its tables are named.
type Config struct {
	// Dialect is "mysql" (also MariaDB), "postgres" or "sqlite". It may be
	// left empty when DSN is a URL whose scheme names it.
	Dialect string `json:"dialect,omitempty"`

	// DSN is a driver DSN, or a URL as in the application's DATABASE_URL
	// (Prisma style): mysql://user:pass@host:3306/db, postgresql://…,
	// file:./dev.db or sqlite:./dev.db. Relative SQLite paths are resolved
	// against the working directory of this process.
	DSN string `json:"dsn,omitempty"`

	// UserTable and SessionTable default to "user" and "session". Prisma
	// without @@map names them "User" and "Session".
	UserTable    string `json:"user_table,omitempty"`
	SessionTable string `json:"session_table,omitempty"`

	// Columns names the columns read and written; empty fields take Better
	// Auth's defaults.
	Columns Columns `json:"columns,omitempty"`

	// MaxOpenConns bounds the connection pool (default DefaultMaxOpenConns).
	// Each LockUsers call holds one connection until it is released.
	MaxOpenConns int `json:"max_open_conns,omitempty"`

	// Now returns the current time; tests pin it. Default time.Now.
	Now func() time.Time `json:"-"`
}

// Columns names the columns of the user and session tables.
type Columns struct {
	UserID       string `json:"user_id,omitempty"`        // default "id"
	UserEmail    string `json:"user_email,omitempty"`     // default "email"
	UserName     string `json:"user_name,omitempty"`      // default "name"
	UserLocale   string `json:"user_locale,omitempty"`    // default "locale"; NoColumn when there is none
	UserMauticID string `json:"user_mautic_id,omitempty"` // default "mauticId"
	// UserEmailVerified is Better Auth's emailVerified (default
	// "emailVerified"); NoColumn when there is none, which reads every
	// email as unverified.
	UserEmailVerified string `json:"user_email_verified,omitempty"`

	SessionToken     string `json:"session_token,omitempty"`      // default "token"
	SessionUserID    string `json:"session_user_id,omitempty"`    // default "userId"
	SessionExpiresAt string `json:"session_expires_at,omitempty"` // default "expiresAt"
	SessionUpdatedAt string `json:"session_updated_at,omitempty"` // default "updatedAt"
}

// withDefaults returns c with every empty name set to Better Auth's default.
func (c Columns) withDefaults() Columns {
	def := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	def(&c.UserID, "id")
	def(&c.UserEmail, "email")
	def(&c.UserName, "name")
	def(&c.UserLocale, "locale")
	def(&c.UserMauticID, "mauticId")
	def(&c.UserEmailVerified, "emailVerified")
	def(&c.SessionToken, "token")
	def(&c.SessionUserID, "userId")
	def(&c.SessionExpiresAt, "expiresAt")
	def(&c.SessionUpdatedAt, "updatedAt")
	return c
}

// withDefaults returns cfg with every unset field at its default.
func (cfg Config) withDefaults() Config {
	if cfg.UserTable == "" {
		cfg.UserTable = DefaultUserTable
	}
	if cfg.SessionTable == "" {
		cfg.SessionTable = DefaultSessionTable
	}
	cfg.Columns = cfg.Columns.withDefaults()
	if cfg.MaxOpenConns <= 0 {
		cfg.MaxOpenConns = DefaultMaxOpenConns
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return cfg
}

// validateNames checks every table and column name of cfg (with defaults
// applied). Names are spliced into SQL, quoted, so only plain identifiers are
// accepted.
func (cfg Config) validateNames() error {
	c := cfg.Columns
	names := []struct{ field, value string }{
		{"user_table", cfg.UserTable},
		{"session_table", cfg.SessionTable},
		{"columns.user_id", c.UserID},
		{"columns.user_email", c.UserEmail},
		{"columns.user_name", c.UserName},
		{"columns.user_mautic_id", c.UserMauticID},
		{"columns.session_token", c.SessionToken},
		{"columns.session_user_id", c.SessionUserID},
		{"columns.session_expires_at", c.SessionExpiresAt},
		{"columns.session_updated_at", c.SessionUpdatedAt},
	}
	if c.UserLocale != NoColumn {
		names = append(names, struct{ field, value string }{"columns.user_locale", c.UserLocale})
	}
	if c.UserEmailVerified != NoColumn {
		names = append(names, struct{ field, value string }{"columns.user_email_verified", c.UserEmailVerified})
	}
	for _, n := range names {
		if err := checkIdentifier(n.value); err != nil {
			return fmt.Errorf("userdb: %s: %w", n.field, err)
		}
	}
	return nil
}

// maxIdentifierLen is PostgreSQL's limit (63 bytes); MySQL allows 64.
const maxIdentifierLen = 63

// checkIdentifier accepts ASCII letters, digits and underscores, not starting
// with a digit, at most maxIdentifierLen long.
func checkIdentifier(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("name is empty")
	case len(name) > maxIdentifierLen:
		return fmt.Errorf("name %q is longer than %d characters", name, maxIdentifierLen)
	case name[0] >= '0' && name[0] <= '9':
		return fmt.Errorf("name %q starts with a digit: use a plain identifier", name)
	}
	for i := 0; i < len(name); i++ {
		b := name[i]
		if b != '_' && (b < 'a' || b > 'z') && (b < 'A' || b > 'Z') && (b < '0' || b > '9') {
			return fmt.Errorf("name %q may hold only letters, digits and _", name)
		}
	}
	return nil
}

// dialect names accepted in Config.Dialect, by canonical name.
var dialectAliases = map[string]string{
	"mysql":      dialectMySQL,
	"mariadb":    dialectMySQL,
	"postgres":   dialectPostgres,
	"postgresql": dialectPostgres,
	"pg":         dialectPostgres,
	"sqlite":     dialectSQLite,
	"sqlite3":    dialectSQLite,
}

const (
	dialectMySQL    = "mysql"
	dialectPostgres = "postgres"
	dialectSQLite   = "sqlite"
)

// ParseDialect maps a configured dialect name (mysql, mariadb, postgres,
// postgresql, pg, sqlite, sqlite3) to mysql, postgres or sqlite; "" stays
// "", which lets the DSN tell (see DialectOf).
func ParseDialect(name string) (string, error) {
	if name == "" {
		return "", nil
	}
	if d, ok := dialectAliases[strings.ToLower(strings.TrimSpace(name))]; ok {
		return d, nil
	}
	return "", fmt.Errorf("userdb: unknown dialect %q: use one of mysql (also MariaDB), postgres, sqlite", name)
}
