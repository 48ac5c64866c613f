package storage

import (
	"errors"
	"math/rand/v2"
	"time"

	"github.com/go-sql-driver/mysql"
)

// retryDeadlock runs a transaction again when MySQL chose it as a deadlock's
// victim (rolled back whole, so running it again is safe), after a short random
// pause so the contenders fall out of step, ten times at most. Concurrent inserts
// into the same gap of an index (first sign-ups at once, first log-ins of a key)
// can deadlock that way.
func retryDeadlock(tx func() error) error {
	var err error
	for try := range 10 {
		if err = tx(); !isDeadlock(err) {
			return err
		}
		time.Sleep(time.Duration(1+try) * time.Duration(2+rand.IntN(10)) * time.Millisecond)
	}
	return err
}

// isDeadlock reports MySQL's deadlock error.
func isDeadlock(err error) bool {
	var me *mysql.MySQLError
	return errors.As(err, &me) && me.Number == 1213
}
