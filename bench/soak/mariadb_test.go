package soak

import (
	"database/sql"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	_ "github.com/go-sql-driver/mysql" // the "mysql" database/sql driver
)

// mariaServer is a throwaway MariaDB server (mariadbd) in a temporary
// directory, run in the foreground by the test, which may kill it and
// start it again on the same port and data (never the machine's shared
// server).
type mariaServer struct {
	t    *testing.T
	bin  string
	dir  string
	port int

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}
}

// startMariaDB initialises a data directory and starts mariadbd on a free
// port, with a database nextauth.
func startMariaDB(t *testing.T) *mariaServer {
	t.Helper()
	bin, err := exec.LookPath("mariadbd")
	if err != nil {
		if bin, err = exec.LookPath("/usr/sbin/mariadbd"); err != nil {
			need(t, "no mariadbd: apt-get install mariadb-server")
		}
	}
	install, err := exec.LookPath("mariadb-install-db")
	if err != nil {
		need(t, "no mariadb-install-db: apt-get install mariadb-server")
	}
	dir, err := os.MkdirTemp("", "nextauth-soak-mariadb-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) }) // runs after the kill below
	m := &mariaServer{t: t, bin: bin, dir: dir}
	out, err := exec.Command(install, "--no-defaults", "--datadir="+filepath.Join(dir, "data"), "--user="+currentUser(),
		"--auth-root-authentication-method=normal", "--skip-test-db", "--skip-name-resolve").CombinedOutput()
	if err != nil {
		t.Fatalf("mariadb-install-db: %v\n%s", err, out)
	}
	_, port, _ := net.SplitHostPort(freeAddr(t))
	m.port, _ = strconv.Atoi(port)
	t.Cleanup(m.kill)
	if err := m.start(); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("mysql", fmt.Sprintf("root@tcp(127.0.0.1:%d)/", m.port))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec("CREATE DATABASE nextauth CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"); err != nil {
		t.Fatal(err)
	}
	return m
}

// currentUser is the system user mariadbd runs as: itself (root may run
// it only when it says so).
func currentUser() string {
	if os.Geteuid() == 0 {
		return "root"
	}
	return strconv.Itoa(os.Geteuid())
}

// url is the mysql:// URL of its nextauth database.
func (m *mariaServer) url() string {
	return fmt.Sprintf("mysql://root@127.0.0.1:%d/nextauth", m.port)
}

// start starts mariadbd (again) and waits until it answers.
func (m *mariaServer) start() error {
	args := []string{"--no-defaults", "--datadir=" + filepath.Join(m.dir, "data"), "--port=" + strconv.Itoa(m.port),
		"--bind-address=127.0.0.1", "--socket=" + filepath.Join(m.dir, "mysqld.sock"), "--pid-file=" + filepath.Join(m.dir, "mysqld.pid"),
		"--log-error=" + filepath.Join(m.dir, "error.log"), "--skip-name-resolve", "--innodb-flush-log-at-trx-commit=2",
		"--max-connections=500"}
	if os.Geteuid() == 0 {
		args = append(args, "--user=root")
	}
	cmd := exec.Command(m.bin, args...)
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	m.mu.Lock()
	m.cmd, m.done = cmd, done
	m.mu.Unlock()
	db, err := sql.Open("mysql", fmt.Sprintf("root@tcp(127.0.0.1:%d)/?timeout=1s", m.port))
	if err != nil {
		return err
	}
	defer db.Close()
	for deadline := time.Now().Add(60 * time.Second); ; {
		err := db.Ping()
		if err == nil {
			return nil
		}
		select {
		case <-done:
			log, _ := os.ReadFile(filepath.Join(m.dir, "error.log"))
			return fmt.Errorf("mariadbd exited at start:\n%s", log)
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("mariadbd on %d: no answer within 60 s: %v", m.port, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// kill stops it with SIGKILL, as a crash would (InnoDB recovers at the
// next start).
func (m *mariaServer) kill() {
	m.mu.Lock()
	cmd, done := m.cmd, m.done
	m.cmd = nil
	m.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Signal(syscall.SIGKILL)
	<-done
}

// TestFaultsMySQL kills a throwaway MariaDB (SIGKILL) under load and
// starts it again on the same port and data.
func TestFaultsMySQL(t *testing.T) {
	requireSoak(t)
	m := startMariaDB(t)
	storeFault(t, m.url(), func() error { m.kill(); return nil }, m.start)
}
