package userdb

// Discards reports how many lock connections db dropped instead of returning
// them to the pool (0 for SQLite).
func Discards(db *DB) int64 {
	if l, ok := db.locker.(*serverLocker); ok {
		return l.discards.Load()
	}
	return 0
}
