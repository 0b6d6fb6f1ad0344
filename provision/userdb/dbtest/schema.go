package dbtest

import (
	"embed"
	"fmt"
	"strings"
)

// schemaFiles holds Better Auth 1.7.25's tables (user, session, account,
// verification, jwks) with the additional fields locale and mauticId, per
// dialect, as its own migrator creates them.
//
//go:embed schema/*.sql
var schemaFiles embed.FS

// Schema returns the DDL file for dialect ("mysql", "postgres", "sqlite").
func Schema(dialect string) (string, error) {
	b, err := schemaFiles.ReadFile("schema/" + dialect + ".sql")
	if err != nil {
		return "", fmt.Errorf("dbtest: no schema for dialect %q: use mysql, postgres or sqlite", dialect)
	}
	return string(b), nil
}

// SchemaStatements returns the statements of Schema(dialect) one by one, as
// drivers without multi-statement support need them.
func SchemaStatements(dialect string) ([]string, error) {
	text, err := Schema(dialect)
	if err != nil {
		return nil, err
	}
	return splitStatements(text), nil
}

// splitStatements splits SQL at semicolons ending a line, dropping "--"
// comment lines. The schema files hold no semicolon inside a literal.
func splitStatements(text string) []string {
	var lines []string
	for _, line := range strings.Split(text, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "--") {
			lines = append(lines, line)
		}
	}
	var out []string
	for _, stmt := range strings.Split(strings.Join(lines, "\n"), ";\n") {
		stmt = strings.TrimSuffix(strings.TrimSpace(stmt), ";")
		if stmt != "" {
			out = append(out, stmt)
		}
	}
	return out
}
