package sqllayout

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/nextauth-go/nextauth"
)

var _ nextauth.UserColumnReader = (*Adapter)(nil)

// UserColumns returns the values of those of names that are columns of
// the user table, as JSON values, for userID's row: session.user_fields
// reads columns the app added to its user model (a role in Prisma's User,
// say) this way. Names are matched exactly against the columns New found,
// so a column added later is seen after a restart; a name that is not one
// is left out and never reaches SQL. Numbers become float64 (MySQL's
// TINYINT(1) booleans too: 0 or 1), times RFC 3339 text in UTC, bytes
// text. ErrNotFound when there is no such user.
func (a *Adapter) UserColumns(ctx context.Context, userID string, names []string) (map[string]any, error) {
	const op = "user columns"
	if !a.validUserID(userID) {
		return nil, notFound(op)
	}
	var cols []string
	for _, n := range names {
		if a.t.userCols[n] && !slices.Contains(cols, n) {
			cols = append(cols, n)
		}
	}
	if len(cols) == 0 {
		if _, err := a.GetUser(ctx, userID); err != nil {
			return nil, err
		}
		return nil, nil
	}
	quoted := make([]string, len(cols))
	for i, c := range cols {
		quoted[i] = a.qi(c)
	}
	q := a.bind("SELECT " + strings.Join(quoted, ", ") + " FROM " + a.qi(a.t.user) + " WHERE " + a.eq("id", true))
	rows, err := a.db.QueryContext(ctx, q, a.textArgs(userID)...)
	if err != nil {
		return nil, a.wrap(ctx, op, err)
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return nil, a.wrap(ctx, op, err)
		}
		return nil, notFound(op)
	}
	types, err := rows.ColumnTypes()
	if err != nil {
		return nil, a.wrap(ctx, op, err)
	}
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := rows.Scan(ptrs...); err != nil {
		return nil, a.wrap(ctx, op, err)
	}
	out := make(map[string]any, len(cols))
	for i, c := range cols {
		out[c] = jsonValue(vals[i], types[i])
	}
	return out, rows.Err()
}

// jsonValue turns a scanned column value into a JSON value.
func jsonValue(v any, ct *sql.ColumnType) any {
	switch x := v.(type) {
	case nil, bool, string, float64:
		return x
	case int64:
		return float64(x)
	case int32:
		return float64(x)
	case float32:
		return float64(x)
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	case []byte:
		// MySQL's text protocol hands every value over as bytes.
		switch strings.ToUpper(ct.DatabaseTypeName()) {
		case "TINYINT", "SMALLINT", "MEDIUMINT", "INT", "BIGINT", "DECIMAL", "FLOAT", "DOUBLE", "YEAR",
			"UNSIGNED TINYINT", "UNSIGNED SMALLINT", "UNSIGNED MEDIUMINT", "UNSIGNED INT", "UNSIGNED BIGINT":
			if f, err := strconv.ParseFloat(string(x), 64); err == nil {
				return f
			}
		}
		return string(x)
	}
	return fmt.Sprint(v)
}
