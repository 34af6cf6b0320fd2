// Package notifyq delivers notification sends as river jobs, on SQLite
// and PostgreSQL alike. The store creates a send in the transaction of the
// event it reports; the queue's Hook inserts the send's job in that same
// transaction, so a send is queued if and only if its notification
// commits. Each job sends once per attempt with a key stable across
// retries, retries with backoff, and records the outcome in
// notification_sends.
//
// Webhook deliveries ride the same client on a queue of their own
// (webhook.go): WebhookHook queues them in the event's transaction, and
// each attempt is a signed POST logged in webhook_attempts.
//
// Reminders are not a river periodic job: serve's task list calls the
// store's CreateDueReminders every minute like its other periodic work,
// which is idempotent by notification key in any number of processes.
package notifyq

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"

	"github.com/wenyun/wenyun/internal/notify"
	"github.com/wenyun/wenyun/internal/sqlstore"
)

// Options tune New.
type Options struct {
	// DSN is the store's ("sqlite:PATH" or "postgres://…"). On SQLite
	// river gets its own one-connection pool to the file, so that its
	// polling does not queue behind bookings on the store's write pool;
	// required there.
	DSN string
	// PublicURL makes notification links absolute ("https://wenyun.example").
	PublicURL string
	Logger    *slog.Logger
	// MaxAttempts bounds the attempts of a send (default 8: with river's
	// backoff of attempt⁴ seconds, the last comes about 1 h 20 min after
	// the first); then the send is marked failed.
	MaxAttempts int
	// Workers is how many sends one process delivers at once (default 4).
	Workers int
	// PollInterval is how often idle workers look for jobs (default 1s).
	PollInterval time.Duration
	// RetryDelay, when set, replaces river's backoff (tests, and serve's
	// --webhook-retry-delay for webhook deliveries).
	RetryDelay func(attempt int) time.Duration
	// Webhooks, when set, delivers webhook deliveries too.
	Webhooks WebhookSender
	// WebhookAttempts bounds the attempts of a webhook delivery (default
	// 10: with river's backoff the last comes about 4 h 15 min after the
	// first); then the delivery is marked failed.
	WebhookAttempts int
	// WebhookRetryDelay, when set, replaces RetryDelay for webhooks.
	WebhookRetryDelay func(attempt int) time.Duration
}

func (o *Options) defaults() {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 8
	}
	if o.Workers <= 0 {
		o.Workers = 4
	}
	if o.PollInterval <= 0 {
		o.PollInterval = time.Second
	}
	if o.WebhookAttempts <= 0 {
		o.WebhookAttempts = 10
	}
	if o.WebhookRetryDelay == nil {
		o.WebhookRetryDelay = o.RetryDelay
	}
}

// Queue is the river client that delivers sends.
type Queue struct {
	client *river.Client[*sql.Tx]
	w      *sendWorker
	// ww delivers webhooks; nil without Options.Webhooks.
	ww              *webhookWorker
	webhookAttempts int
	// own is river's pool on SQLite, closed by Stop; nil on PostgreSQL,
	// where river shares the store's pool.
	own *sql.DB
}

// New migrates river's tables and returns a stopped queue delivering
// sends of store through channels.
func New(ctx context.Context, store *sqlstore.Store, channels notify.Channels, opts Options) (*Queue, error) {
	return newQueue(ctx, store, store, channels, opts)
}

// newQueue is New with the worker's store apart, for tests to wrap.
func newQueue(ctx context.Context, store *sqlstore.Store, sends sendStore, channels notify.Channels, opts Options) (*Queue, error) {
	opts.defaults()
	q := &Queue{}
	driver, err := q.driver(store, opts.DSN)
	if err != nil {
		return nil, err
	}
	if err := migrate(ctx, driver, q.pool(store), store.Engine()); err != nil {
		q.closeOwn()
		return nil, fmt.Errorf("river migrate: %w", err)
	}
	q.w = &sendWorker{sends: sends, channels: channels, baseURL: opts.PublicURL, log: opts.Logger, retryDelay: opts.RetryDelay}
	if opts.Webhooks != nil {
		q.ww = &webhookWorker{store: store, sender: opts.Webhooks, log: opts.Logger, retryDelay: opts.WebhookRetryDelay}
		q.webhookAttempts = opts.WebhookAttempts
	}
	if q.client, err = newClient(driver, q.w, q.ww, opts); err != nil {
		q.closeOwn()
		return nil, fmt.Errorf("river: %w", err)
	}
	return q, nil
}

// driver returns river's driver for the store's engine.
func (q *Queue) driver(store *sqlstore.Store, dsn string) (riverdriver.Driver[*sql.Tx], error) {
	if store.Engine() != "sqlite" {
		return riverdatabasesql.New(store.DB()), nil
	}
	db, err := openSQLite(dsn)
	if err != nil {
		return nil, err
	}
	q.own = db
	return riversqlite.New(db), nil
}

// sqlitePragmas match the store's (sqlstore/db.go): wait for the lock
// rather than fail, WAL, and take the write lock at BEGIN so that river's
// transactions never fail on upgrading a read lock.
const sqlitePragmas = "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)" +
	"&_pragma=synchronous(FULL)&_txlock=immediate"

// openSQLite opens river's pool to the store's SQLite file. One
// connection, as riversqlite advises: river's goroutines then queue in Go.
func openSQLite(dsn string) (*sql.DB, error) {
	path, ok := strings.CutPrefix(dsn, "sqlite:")
	if !ok || path == "" {
		return nil, fmt.Errorf("notifyq: want the store's sqlite:PATH, got %q", dsn)
	}
	db, err := sql.Open("sqlite", "file:"+(&url.URL{Path: path}).EscapedPath()+"?"+sqlitePragmas)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	db.SetConnMaxLifetime(0)
	return db, nil
}

func newClient(driver riverdriver.Driver[*sql.Tx], w *sendWorker, ww *webhookWorker, opts Options) (*river.Client[*sql.Tx], error) {
	workers := river.NewWorkers()
	if err := river.AddWorkerSafely(workers, w); err != nil {
		return nil, err
	}
	queues := map[string]river.QueueConfig{queueName: {MaxWorkers: opts.Workers}}
	if ww != nil {
		if err := river.AddWorkerSafely(workers, ww); err != nil {
			return nil, err
		}
		queues[webhookQueue] = river.QueueConfig{MaxWorkers: opts.Workers}
	}
	return river.NewClient(driver, &river.Config{
		Logger:            opts.Logger,
		MaxAttempts:       opts.MaxAttempts,
		FetchPollInterval: opts.PollInterval,
		FetchCooldown:     min(opts.PollInterval, 100*time.Millisecond),
		Queues:            queues,
		Workers:           workers,
		JobTimeout:        time.Minute,
	})
}

// Hook returns the store's send hook: it inserts one job per send with
// the store's own transaction, so the jobs commit with the notification.
func (q *Queue) Hook() sqlstore.SendHook {
	return func(ctx context.Context, tx *sql.Tx, sendIDs []int64) error {
		params := make([]river.InsertManyParams, len(sendIDs))
		for i, id := range sendIDs {
			params[i] = river.InsertManyParams{Args: SendArgs{SendID: id}}
		}
		if _, err := q.client.InsertManyTx(ctx, tx, params); err != nil {
			return fmt.Errorf("queue notification sends: %w", err)
		}
		return nil
	}
}

// Start starts delivering. Cancelling ctx stops hard, cutting off sends
// in progress; call Stop for a graceful stop.
func (q *Queue) Start(ctx context.Context) error { return q.client.Start(ctx) }

// Stop lets the sends in progress finish, until ctx is done, then cuts
// off the stragglers (their jobs are rescued and retried later) and closes
// river's own pool. Jobs not started stay queued for the next start.
func (q *Queue) Stop(ctx context.Context) error {
	err := q.client.Stop(ctx)
	if err != nil {
		cctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err = q.client.StopAndCancel(cctx); err != nil {
			return fmt.Errorf("stop notification queue: %w", err) // river may still use its pool
		}
	}
	return q.closeOwn()
}

// pool is the pool river uses.
func (q *Queue) pool(store *sqlstore.Store) *sql.DB {
	if q.own != nil {
		return q.own
	}
	return store.DB()
}

func (q *Queue) closeOwn() error {
	if q.own == nil {
		return nil
	}
	return q.own.Close()
}
