package userdb

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"time"
)

// devicesDDL creates caddy_mautic_devices: which contact Mautic's tracking
// answered each device with, as the first-party proxy saw it. It is the
// evidence that a browser was tracked as a contact, shared by every
// instance. Devices are keyed by a hash: the raw mautic_device_id is a
// bearer secret of the browser.
func devicesDDL(d sqlDialect, table string) []string {
	return []string{
		"CREATE TABLE IF NOT EXISTS " + table + " (" +
			"device_hash " + d.typeKey() + " NOT NULL PRIMARY KEY, " +
			"contact_id " + d.typeBigInt() + " NOT NULL, " +
			"seen_at " + d.typeTime() + " NOT NULL)",
	}
}

// deviceKey is how a device id is stored: its SHA-256, in hex.
func deviceKey(deviceID string) string {
	sum := sha256.Sum256([]byte(deviceID))
	return hex.EncodeToString(sum[:])
}

// PutDevice records that Mautic's tracking answered device with contact,
// now. A later answer replaces an earlier one.
func (db *DB) PutDevice(ctx context.Context, deviceID string, contactID int) error {
	if deviceID == "" {
		return nil
	}
	if err := checkContactID(contactID); err != nil {
		return err
	}
	d := db.q.d
	upsert := "INSERT INTO " + d.moduleTableName("devices") + " (device_hash, contact_id, seen_at) VALUES (" +
		d.placeholders(1, 3) + ") " + d.upsertTail("device_hash", "contact_id", "seen_at")
	if _, err := db.exec(ctx, upsert, deviceKey(deviceID), contactID, db.now().UnixMilli()); err != nil {
		return db.errorf(err, "recording tracked device")
	}
	return nil
}

// DeviceContacts returns, for each device id seen at or after since, the
// contact Mautic's tracking last answered it with; unknown and older
// devices are absent. Keys are the device ids as given.
func (db *DB) DeviceContacts(ctx context.Context, deviceIDs []string, since time.Time) (map[string]int, error) {
	d := db.q.d
	byKey := make(map[string]string, len(deviceIDs))
	keys := make([]string, 0, len(deviceIDs))
	for _, id := range uniqueNonEmpty(deviceIDs, false) {
		byKey[deviceKey(id)] = id
		keys = append(keys, deviceKey(id))
	}
	found := make(map[string]int, len(keys))
	prefix := "SELECT device_hash, contact_id, seen_at FROM " + d.moduleTableName("devices") + " WHERE device_hash IN ("
	err := db.eachChunk(keys, func(chunk []any) error {
		rows, err := db.query(ctx, db.q.withList(prefix, len(chunk)), chunk...)
		if err != nil {
			return db.errorf(err, "reading tracked devices")
		}
		defer rows.Close()
		for rows.Next() {
			var key string
			var contact, seen int64
			if err := rows.Scan(&key, &contact, &seen); err != nil {
				return db.errorf(err, "reading tracked devices")
			}
			if seen >= since.UnixMilli() {
				found[byKey[key]] = int(contact)
			}
		}
		if err := rows.Err(); err != nil {
			return db.errorf(err, "reading tracked devices")
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return found, nil
}

// PruneDevices deletes the devices last seen before before, and returns
// how many.
func (db *DB) PruneDevices(ctx context.Context, before time.Time) (int64, error) {
	return db.execCount(ctx, "pruning tracked devices",
		"DELETE FROM "+db.q.d.moduleTableName("devices")+" WHERE seen_at < "+db.q.d.placeholder(1), before.UnixMilli())
}
