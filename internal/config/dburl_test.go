package config

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/nextauth-go/nextauth"
)

// TestOpenFileURL opens Prisma's file: URLs: a relative path is resolved
// against prisma_schema's folder (itself relative to the config file),
// else the config file's folder; a missing file is an error naming the
// resolved path, and no file is created.
func TestOpenFileURL(t *testing.T) {
	dir := t.TempDir()
	cfgDir := filepath.Join(dir, "deploy")
	if err := os.MkdirAll(filepath.Join(dir, "prisma"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(cfgDir, 0o755); err != nil {
		t.Fatal(err)
	}
	cfgPath := filepath.Join(cfgDir, "nextauth.yaml")
	tests := []struct {
		name, yaml string
		want       string // the file it must open
	}{
		{"prisma_schema", "database: file:./dev.db\nprisma_schema: ../prisma/schema.prisma\n", filepath.Join(dir, "prisma", "dev.db")},
		{"config folder", "database: \"file:dev.db?connection_limit=1\"\n", filepath.Join(cfgDir, "dev.db")},
		{"absolute", "database: file:" + filepath.Join(dir, "abs.db") + "\nprisma_schema: ../prisma/schema.prisma\n", filepath.Join(dir, "abs.db")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Parse(cfgPath, []byte("secret: s\n"+tt.yaml), nil)
			if err != nil {
				t.Fatal(err)
			}
			_, store, err := f.Open(context.Background(), nil)
			if err == nil || store != nil || !strings.Contains(err.Error(), tt.want+" does not exist") {
				t.Fatalf("Open() without the file = %v, %v, want an error naming %s", store, err, tt.want)
			}
			if _, err := f.Migrate(context.Background()); err == nil || !strings.Contains(err.Error(), tt.want+" does not exist") {
				t.Errorf("Migrate() without the file = %v, want an error naming %s", err, tt.want)
			}
			if _, err := os.Stat(tt.want); !errors.Is(err, fs.ErrNotExist) {
				t.Fatalf("after Open() and Migrate(), stat %s = %v, want no file created", tt.want, err)
			}

			if err := os.WriteFile(tt.want, nil, 0o600); err != nil { // an empty database
				t.Fatal(err)
			}
			_, store, err = f.Open(context.Background(), nil)
			if err != nil {
				t.Fatalf("Open() of the existing %s = %v", tt.want, err)
			}
			defer store.Close()
			if _, err := store.Adapter.CreateUser(context.Background(), nextauth.User{Email: nextauth.String("a@example.com")}); err != nil {
				t.Errorf("CreateUser() = %v", err)
			}
			if st, err := os.Stat(tt.want); err != nil || st.Size() == 0 {
				t.Errorf("stat %s after use = %v, %v, want the tables in it", tt.want, st, err)
			}
		})
	}
}

// TestOpenPostgresSchema opens a URL with Prisma's ?schema=: the tables
// are created in that schema (quoted, so its case is kept), not in public.
func TestOpenPostgresSchema(t *testing.T) {
	dsn := newPostgresDatabase(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `CREATE SCHEMA "AuthData"`); err != nil {
		t.Fatal(err)
	}
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	f, err := Parse("t.yaml", []byte("secret: s\ndatabase: \""+dsn+sep+"schema=AuthData\"\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	_, store, err := f.Open(ctx, nil)
	if err != nil {
		t.Fatalf("Open(…?schema=AuthData) = %v", err)
	}
	defer store.Close()
	if _, err := store.Adapter.CreateUser(ctx, nextauth.User{Email: nextauth.String("a@example.com")}); err != nil {
		t.Fatalf("CreateUser() = %v", err)
	}
	var inSchema, inPublic int
	err = conn.QueryRow(ctx, `SELECT count(*) FILTER (WHERE table_schema = 'AuthData'), count(*) FILTER (WHERE table_schema = 'public')
FROM information_schema.tables WHERE table_name IN ('users', 'accounts', 'sessions', 'verification_token')`).Scan(&inSchema, &inPublic)
	if err != nil || inSchema != 4 || inPublic != 0 {
		t.Errorf("tables in AuthData, public = %d, %d (%v), want 4, 0", inSchema, inPublic, err)
	}
	var n int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM "AuthData".users`).Scan(&n); err != nil || n != 1 {
		t.Errorf(`count of "AuthData".users = %d, %v, want 1`, n, err)
	}
}
