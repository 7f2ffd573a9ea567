package sqllayout

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"math/big"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// timeKind is how a layout stores a time in a column.
type timeKind int

const (
	// timeNative: a PostgreSQL timestamp or timestamptz, bound as a
	// time.Time in UTC (timestamp without time zone holds UTC wall
	// clocks, as Prisma, Drizzle and Kysely write them).
	timeNative timeKind = iota
	// timeMySQL: a MySQL DATETIME or TIMESTAMP, bound as UTC text
	// ("2006-01-02 15:04:05.000"), as Prisma's and Drizzle's MySQL
	// drivers write them.
	timeMySQL
	// timeMillis: an integer of milliseconds since the epoch (Drizzle's
	// SQLite timestamp_ms, Prisma on SQLite before its driver adapters).
	timeMillis
	// timeISO: text as Prisma 7's SQLite driver adapters write it:
	// "2006-01-02T15:04:05.000+00:00".
	timeISO
	// timeMillisText: the decimal text of milliseconds since the epoch
	// (TypeORM's date transformer: date.valueOf().toString()).
	timeMillisText
)

// timeCol is the encoding of one time column: its kind and, for MySQL,
// how many fractional digits it keeps (DATETIME(3): 3, TIMESTAMP: 0).
type timeCol struct {
	kind timeKind
	prec int
}

// isoLayout is Prisma 7's SQLite DateTime text.
const isoLayout = "2006-01-02T15:04:05.000+00:00"

// round is t in UTC with the precision the column keeps (milliseconds at
// most: JavaScript dates).
func (c timeCol) round(t time.Time) time.Time {
	t = t.UTC().Truncate(time.Millisecond)
	if c.kind == timeMySQL && c.prec < 3 {
		d := time.Second
		for range c.prec {
			d /= 10
		}
		t = t.Truncate(d)
	}
	return t
}

// value is t as bound for the column.
func (c timeCol) value(t time.Time) any {
	t = c.round(t)
	switch c.kind {
	case timeMySQL:
		return t.Format("2006-01-02 15:04:05.000")
	case timeMillis:
		return t.UnixMilli()
	case timeISO:
		return t.Format(isoLayout)
	case timeMillisText:
		return strconv.FormatInt(t.UnixMilli(), 10)
	}
	return t
}

// nullValue is value, or NULL for nil.
func (c timeCol) nullValue(t *time.Time) any {
	if t == nil {
		return nil
	}
	return c.value(*t)
}

// timeScan reads a time column in any of the encodings: a driver time
// (PostgreSQL's instant; MySQL's wall clock, read as UTC), integer
// milliseconds, or text (milliseconds, ISO 8601 with or without offset,
// MySQL's "YYYY-MM-DD HH:MM:SS[.fff]", read as UTC), so that rows written
// by other versions of a tool read back too.
type timeScan struct {
	t     time.Time
	valid bool
	// wall: a driver time.Time is a wall clock in UTC (MySQL), not an
	// instant.
	wall bool
}

// Scan implements sql.Scanner.
func (v *timeScan) Scan(src any) error {
	v.valid = true
	switch x := src.(type) {
	case nil:
		v.valid = false
	case time.Time:
		if v.wall {
			v.t = time.Date(x.Year(), x.Month(), x.Day(), x.Hour(), x.Minute(), x.Second(), x.Nanosecond(), time.UTC)
		} else {
			v.t = x.UTC()
		}
	case int64:
		v.t = time.UnixMilli(x).UTC()
	case float64:
		v.t = time.UnixMilli(int64(x)).UTC()
	case []byte:
		return v.parse(string(x))
	case string:
		return v.parse(x)
	default:
		return fmt.Errorf("sqllayout: reading a time from %T", src)
	}
	return nil
}

// textLayouts are the text forms of a time read back.
var textLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
}

func (v *timeScan) parse(s string) error {
	s = strings.TrimSpace(s)
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		v.t = time.UnixMilli(n).UTC()
		return nil
	}
	for _, l := range textLayouts {
		if t, err := time.ParseInLocation(l, s, time.UTC); err == nil {
			v.t = t.UTC()
			return nil
		}
	}
	return fmt.Errorf("sqllayout: reading a time from %q", s)
}

// ptr is the time read, or nil for NULL.
func (v timeScan) ptr() *time.Time {
	if !v.valid {
		return nil
	}
	t := v.t
	return &t
}

// idKind is how a layout makes the ids of new rows.
type idKind int

const (
	idUUID idKind = iota // a random (version 4) UUID: Drizzle, Kysely, TypeORM
	idCUID               // a cuid (version 1), as Prisma's @default(cuid())
)

// newUUID returns a random UUID in its canonical form, as
// crypto.randomUUID() writes it.
func newUUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	const hexd = "0123456789abcdef"
	out := make([]byte, 0, 36)
	for i, c := range b {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			out = append(out, '-')
		}
		out = append(out, hexd[c>>4], hexd[c&15])
	}
	return string(out)
}

// isUUID reports whether s is a UUID in the form PostgreSQL's uuid type
// reads back (hex digits, hyphens after 8, 12, 16 and 20).
func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := range len(s) {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return false
			}
		}
	}
	return true
}

// cuids makes cuids (version 1, the form of Prisma's cuid()): "c", the
// time in milliseconds (8 base-36 digits), a counter (4), a fingerprint of
// the process (4) and 8 random base-36 digits; 25 characters in all,
// ordered by creation time within a process.
type cuids struct {
	mu          sync.Mutex
	counter     int64
	fingerprint string
}

var cuidGen = newCUIDs()

func newCUIDs() *cuids {
	host, _ := os.Hostname()
	sum := len(host) + 36
	for _, c := range host {
		sum += int(c)
	}
	fp := pad(strconv.FormatInt(int64(os.Getpid()), 36), 2) + pad(strconv.FormatInt(int64(sum), 36), 2)
	var b [8]byte
	rand.Read(b[:])
	return &cuids{fingerprint: fp, counter: int64(binary.LittleEndian.Uint64(b[:]) % (36 * 36 * 36 * 36))}
}

// pad is the last n characters of s, left-padded with zeros.
func pad(s string, n int) string {
	if len(s) >= n {
		return s[len(s)-n:]
	}
	return strings.Repeat("0", n-len(s)) + s
}

var block = big.NewInt(36 * 36 * 36 * 36)

func randomBlock() string {
	n, err := rand.Int(rand.Reader, block)
	if err != nil {
		panic(err)
	}
	return pad(strconv.FormatInt(n.Int64(), 36), 4)
}

// next returns a new cuid.
func (g *cuids) next() string {
	g.mu.Lock()
	g.counter = (g.counter + 1) % (36 * 36 * 36 * 36)
	c := g.counter
	g.mu.Unlock()
	return "c" + pad(strconv.FormatInt(time.Now().UnixMilli(), 36), 8) + pad(strconv.FormatInt(c, 36), 4) +
		g.fingerprint + randomBlock() + randomBlock()
}

// newID returns a new id of kind k.
func newID(k idKind) string {
	if k == idCUID {
		return cuidGen.next()
	}
	return newUUID()
}
