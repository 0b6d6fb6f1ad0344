// Package userdb reads and writes the application's own Better Auth tables:
// it finds users and sessions, stores each user's Mautic contact id in the
// user row (column mauticId), finds users still waiting for a contact, and
// gives cross-instance, per-user locks through the database itself.
//
// The database belongs to the application, so this package keeps a small
// connection pool, never alters a table, and in the application's own tables
// only ever writes the mauticId column. State that must hold across Caddy
// instances and restarts lives in tables of the module's own, whose names
// start with ModuleTablePrefix ("caddy_mautic_"); Open creates them when
// they are missing. Three dialects are supported: MySQL/MariaDB, PostgreSQL and
// SQLite (modernc.org/sqlite, pure Go, so Caddy still builds without cgo).
//
// The DSN is the application's DATABASE_URL as it is (mysql://...,
// postgresql://...?schema=public, file:./dev.db); errors never show its
// password. Better Auth's table and column names (user, session, camelCase
// columns) are the defaults and can all be configured (Prisma without @@map
// names its tables User and Session); Open checks that they exist and says
// which setting to fix. Package dbtest gives tests a fresh database with
// Better Auth 1.7.25's own schema.
//
// # Writes never go backwards
//
// SetMauticID stores an id only when the row holds none or the same one (a
// compare-and-set in one UPDATE), and returns the value the row holds
// afterwards, so a caller that lost a race learns the winner's id. Webhook
// effects use ReplaceMauticID (a merge in Mautic) and ClearMauticID (a delete),
// which touch only rows that still hold the old id.
//
// # Pending users survive a restart
//
// The provisioning queue keeps no table of its own: a user is pending when
// their row has mauticId NULL and they have an unexpired session active since a
// given time. PendingUsers finds them again after a restart, newest activity
// first.
//
// # Locks across instances
//
// LockUsers takes one lock per user without waiting and reports which it got.
// MySQL/MariaDB uses GET_LOCK and PostgreSQL pg_try_advisory_lock, both on one
// pinned connection per call, so a crashed instance's locks vanish with its
// connection. SQLite is a file that one process owns in practice, so its locks
// are a table inside this process, shared by every DB open on the same file.
// PostgreSQL advisory locks need session pooling: behind PgBouncer in
// transaction mode they do not exclude anything.
//
// # Times
//
// Session times are compared with a "now" taken from Go (Config.Now), never
// the server's clock, and read as UTC. On MySQL/MariaDB the connection keeps
// the server's time_zone, as Better Auth's mysql2 pool does, and values are
// read and written as UTC wall-clock times. On SQLite, Better Auth's Kysely
// adapter stores ISO-8601 text and Prisma stores integer milliseconds; both
// are understood.
package userdb
