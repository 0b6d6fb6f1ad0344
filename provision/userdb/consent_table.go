package userdb

import (
	"context"
	"time"
)

// consentTableName is the consent table, without ModuleTablePrefix.
const consentTableName = "consent"

// consentTable holds each user's last tracking-consent decision: whether
// the user's last request allowed tracking (no Do-Not-Track or Global
// Privacy Control signal, the consent cookie when one is required), and
// when. Every Caddy instance writes it on a change and the rescan reads
// it, so a user who withheld consent is never provisioned in the
// background, on any instance, after any restart.
func consentTable() moduleTable {
	return moduleTable{name: consentTableName, ddl: func(d sqlDialect, table string) []string {
		return []string{"CREATE TABLE IF NOT EXISTS " + table + " (" +
			"user_id " + d.typeKey() + " NOT NULL PRIMARY KEY, " +
			"allowed SMALLINT NOT NULL, " +
			"decided_at " + d.typeTime() + " NOT NULL)"}
	}}
}

// SetConsent records whether the user's request at allowed tracking. A
// decision older than the one stored is ignored, so that two instances
// writing out of order keep the newest.
func (db *DB) SetConsent(ctx context.Context, userID string, allowed bool, at time.Time) error {
	if userID == "" {
		return ErrNotFound
	}
	flag := 0
	if allowed {
		flag = 1
	}
	if _, err := db.exec(ctx, db.q.d.upsertConsent(), userID, flag, at.UnixMilli()); err != nil {
		return db.errorf(err, "storing consent of user")
	}
	return nil
}

// upsertConsent inserts a user's decision, or replaces a stored one that
// is not newer.
func (d sqlDialect) upsertConsent() string {
	t := d.moduleTableName(consentTableName)
	insert := "INSERT INTO " + t + " (user_id, allowed, decided_at) VALUES (" + d.placeholders(1, 3) + ")"
	if d.name == dialectMySQL {
		// Assignments run left to right: allowed is compared with the old
		// decided_at before decided_at changes.
		return insert + " ON DUPLICATE KEY UPDATE" +
			" allowed = IF(VALUES(decided_at) >= decided_at, VALUES(allowed), allowed)," +
			" decided_at = GREATEST(decided_at, VALUES(decided_at))"
	}
	return insert + " ON CONFLICT (user_id) DO UPDATE SET allowed = excluded.allowed, decided_at = excluded.decided_at" +
		" WHERE " + t + ".decided_at <= excluded.decided_at"
}

// consentAllowed is the condition, on the user id column uid, that the
// user's last recorded decision allowed tracking. A user with no recorded
// decision has not allowed it.
func (d sqlDialect) consentAllowed(uid string) string {
	return "EXISTS (SELECT 1 FROM " + d.moduleTableName(consentTableName) + " c WHERE c.user_id = " + uid + " AND c.allowed = 1)"
}
