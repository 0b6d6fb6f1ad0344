package userdb

import (
	"context"
	"strings"
)

// ModuleTablePrefix starts the name of every table this module owns in the
// application's database. The application never reads them; an ORM that
// manages the schema (Prisma) must be told to leave them alone.
const ModuleTablePrefix = "caddy_mautic_"

// moduleTable is one table of the module's own state: what must hold across
// Caddy instances and restarts (webhook spool, deletions, consent, device
// evidence) lives in the application's database, which every instance
// already shares.
type moduleTable struct {
	// name without ModuleTablePrefix.
	name string
	// ddl returns the CREATE TABLE IF NOT EXISTS statement, then any CREATE
	// INDEX statements, for the dialect. The table name is already quoted
	// and prefixed.
	ddl func(d sqlDialect, table string) []string
}

// moduleTables lists the tables, one line per concern; each concern keeps
// its DDL and queries in a file of its own.
func moduleTables() []moduleTable {
	return []moduleTable{
		webhookTable(),
		changesTable(),
		consentTable(),
		deletedContactsTable(), deletionsTable(), // deletions.go
		{name: "links", ddl: linksDDL},
		{name: "devices", ddl: devicesDDL},
	}
}

// moduleTableName returns the quoted, prefixed name of a module table.
func (d sqlDialect) moduleTableName(name string) string {
	return d.quote(ModuleTablePrefix + name)
}

// ensureModuleTables creates the module's tables when they are missing. It
// is the only DDL this package runs, and only ever creates tables (and
// their indexes) whose names start with ModuleTablePrefix.
func (db *DB) ensureModuleTables(ctx context.Context) error {
	d := db.q.d
	for _, t := range moduleTables() {
		for _, stmt := range t.ddl(d, d.moduleTableName(t.name)) {
			if _, err := db.sql.ExecContext(ctx, stmt); err != nil {
				if isAlreadyExists(err) {
					continue
				}
				return db.errorf(err, "creating table %s%s (grant CREATE on the database to this user, or run the statement yourself: %s)",
					ModuleTablePrefix, t.name, stmt)
			}
		}
	}
	return nil
}

// isAlreadyExists reports a CREATE INDEX that lost a race with another
// instance creating the same index (MySQL has no CREATE INDEX IF NOT
// EXISTS before 8.0.29; MariaDB and the others do).
func isAlreadyExists(err error) bool {
	msg := strings.ToLower(err.Error())
	return strings.Contains(msg, "already exists") || strings.Contains(msg, "duplicate key name")
}

// Dialect-specific column types for module tables.

// typeBigInt is a 64-bit integer.
func (d sqlDialect) typeBigInt() string { return "BIGINT" }

// typeText is an unbounded text (a JSON body, an email).
func (d sqlDialect) typeText() string {
	if d.name == dialectMySQL {
		return "LONGTEXT"
	}
	return "TEXT"
}

// typeKey is a text short enough to be a primary key or indexed on MySQL
// (a user id, a device id, an email is hashed before it is a key).
func (d sqlDialect) typeKey() string {
	if d.name == dialectMySQL {
		return "VARCHAR(191)"
	}
	return "TEXT"
}

// typeTime stores times as Unix milliseconds: one type, exact, and
// comparable the same way in all three dialects.
func (d sqlDialect) typeTime() string { return "BIGINT" }

// typeSerialPK is an auto-incrementing 64-bit primary key.
func (d sqlDialect) typeSerialPK() string {
	switch d.name {
	case dialectMySQL:
		return "BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY"
	case dialectPostgres:
		return "BIGSERIAL PRIMARY KEY"
	default:
		return "INTEGER PRIMARY KEY AUTOINCREMENT"
	}
}
