package store

import (
	"context"
	"fmt"
	"strings"
)

// DumpTable returns every value of every row of a table as text, for tests that look for what
// must not be stored (a secret in the clear).
func (db *DB) DumpTable(ctx context.Context, table string) (string, error) {
	rows, err := db.bun.QueryContext(ctx, "SELECT * FROM "+table)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return "", err
	}
	var b strings.Builder
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return "", err
		}
		for _, v := range vals {
			if bs, ok := v.([]byte); ok {
				v = string(bs)
			}
			fmt.Fprintf(&b, "%v\t", v)
		}
		b.WriteString("\n")
	}
	return b.String(), rows.Err()
}
